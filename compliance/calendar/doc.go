// Package calendar decides whether a civil date is a working day or a day
// off. Compliance windows differ by kind of day (230-FZ allows calls 08–22 on
// working days and 09–20 on days off), and Russia moves days off every year
// by government decree, so the decision comes from a production calendar
// (производственный календарь), not from the weekday alone.
//
// The contract is the Calendar interface. Table is the implementation the
// SDK ships: Russia() holds the federal calendars of the years that are
// established by published decrees (2025 and 2026), LoadJSON reads the common
// JSON format of public production-calendar datasets, and Layered puts a
// regional calendar (a republic's own holidays) over a federal one.
//
// A year without data is reported as such (Kind's second result is false);
// the caller decides what to do — compliance applies the stricter day-off
// rules to every day of such a year and says so in its decision.
package calendar
