// Package zone finds the time zone(s) a subscriber may be in, from the phone
// number, so time-of-day rules can be applied in the subscriber's local time.
//
// Resolution order (Resolver.Resolve; the explicit zone of a call-list record
// is applied by the caller before asking):
//
//  1. Russian landline numbers (+7 3xx/4xx/8xx): the area (ABC) code table
//     in this package.
//  2. Russian numbers of any kind found in the ministry's numbering-plan
//     table (DEF/ABC ranges → region), when the host loads one with
//     LoadNumberingPlan; the region is mapped to IANA zones by RegionZones
//     (a region spanning several zones, e.g. Yakutia, maps to all of them).
//     This is the only source for mobile numbers (+79…): they carry no
//     location, and nyaruka/phonenumbers maps every one of them to Moscow, so
//     it is never consulted for +7 numbers.
//  3. Other countries: nyaruka/phonenumbers' prefix → zones table (which may
//     give several zones, e.g. toll-free numbers in North America).
//  4. Nothing known: every zone of the number's country (Russia: a zone
//     for each UTC offset from +2 to +12), Source == SourceCountry. The caller must then
//     allow only what every candidate allows — never the server's zone.
//
// A number that cannot be parsed is an error; a parsed number whose country
// has no known zone gives an empty Zones list.
package zone
