package zone

import "strings"

// Zones used below.
const (
	kgd = "Europe/Kaliningrad" // UTC+2
	msk = "Europe/Moscow"      // UTC+3
	kir = "Europe/Kirov"       // UTC+3
	vgg = "Europe/Volgograd"   // UTC+3
	sim = "Europe/Simferopol"  // UTC+3
	sam = "Europe/Samara"      // UTC+4
	uly = "Europe/Ulyanovsk"   // UTC+4
	sar = "Europe/Saratov"     // UTC+4
	ast = "Europe/Astrakhan"   // UTC+4
	yek = "Asia/Yekaterinburg" // UTC+5
	oms = "Asia/Omsk"          // UTC+6
	nsk = "Asia/Novosibirsk"   // UTC+7
	tom = "Asia/Tomsk"         // UTC+7
	nkz = "Asia/Novokuznetsk"  // UTC+7
	brn = "Asia/Barnaul"       // UTC+7
	krs = "Asia/Krasnoyarsk"   // UTC+7
	irk = "Asia/Irkutsk"       // UTC+8
	cht = "Asia/Chita"         // UTC+9
	yak = "Asia/Yakutsk"       // UTC+9
	vla = "Asia/Vladivostok"   // UTC+10
	ust = "Asia/Ust-Nera"      // UTC+10 (Oymyakonsky district of Yakutia)
	mag = "Asia/Magadan"       // UTC+11
	sak = "Asia/Sakhalin"      // UTC+11
	sre = "Asia/Srednekolymsk" // UTC+11 (north-east Yakutia)
	kam = "Asia/Kamchatka"     // UTC+12
	ana = "Asia/Anadyr"        // UTC+12
)

// areaCodes maps Russian geographic (ABC) codes, the first three digits of
// the national number, to zones. Source: the ministry's ABC numbering plan
// and the federal law on time calculation (107-FZ, as amended through 2020).
var areaCodes = map[string][]string{
	"301": {irk}, "302": {cht}, "341": {sam}, "342": {yek}, "343": {yek}, "345": {yek},
	"346": {yek}, "347": {yek}, "349": {yek}, "351": {yek}, "352": {yek}, "353": {yek}, "365": {sim},
	"381": {oms}, "382": {tom}, "383": {nsk}, "384": {nkz}, "385": {brn}, "388": {brn}, "390": {krs},
	"391": {krs}, "394": {krs}, "395": {irk},
	"401": {kgd}, "411": {yak, ust, sre}, "413": {mag}, "415": {kam}, "416": {yak}, "421": {vla},
	"423": {vla}, "424": {sak}, "426": {vla}, "427": {ana},
	"471": {msk}, "472": {msk}, "473": {msk}, "474": {msk}, "475": {msk}, "481": {msk}, "482": {msk},
	"483": {msk}, "484": {msk}, "485": {msk}, "486": {msk}, "487": {msk}, "491": {msk}, "492": {msk},
	"493": {msk}, "494": {msk}, "495": {msk}, "496": {msk}, "498": {msk}, "499": {msk},
	"811": {msk}, "812": {msk}, "813": {msk}, "814": {msk}, "815": {msk}, "816": {msk}, "817": {msk},
	"818": {msk}, "820": {msk}, "821": {msk}, "831": {msk}, "833": {kir}, "834": {msk}, "835": {msk},
	"836": {msk}, "841": {msk}, "842": {uly}, "843": {msk}, "844": {vgg}, "845": {sar}, "846": {sam},
	"847": {msk}, "848": {sam}, "851": {ast}, "855": {msk}, "861": {msk}, "862": {msk}, "863": {msk},
	"865": {msk}, "866": {msk}, "867": {msk}, "869": {sim}, "871": {msk}, "872": {msk}, "873": {msk},
	"877": {msk}, "878": {msk}, "879": {msk},
}

// AreaCodeZones returns the zones of a Russian three-digit geographic code,
// or nil when the code is unknown (or a mobile DEF code).
func AreaCodeZones(code string) []string { return areaCodes[code] }

// regionStems maps lower-case word stems of Russian region names, as written
// in the ministry's numbering plan ("г. Москва и Московская область",
// "Республика Саха /Якутия/", "Приморский край"), to zones. Order matters:
// the first stem found wins, so more specific stems come first.
var regionStems = []struct {
	stem  string
	zones []string
}{
	{"калининград", []string{kgd}},
	{"ямало", []string{yek}}, {"ханты", []string{yek}}, {"югра", []string{yek}},
	{"сахалин", []string{sak}}, {"саха", []string{yak, ust, sre}}, {"якут", []string{yak, ust, sre}},
	{"нижегород", []string{msk}}, {"нижний новгород", []string{msk}},
	{"самар", []string{sam}}, {"удмурт", []string{sam}}, {"ульянов", []string{uly}}, {"саратов", []string{sar}},
	{"астрахан", []string{ast}},
	{"башк", []string{yek}}, {"челябин", []string{yek}}, {"курган", []string{yek}}, {"оренбург", []string{yek}},
	{"перм", []string{yek}}, {"свердлов", []string{yek}}, {"екатеринбург", []string{yek}}, {"тюмен", []string{yek}},
	{"томск", []string{tom}}, {"омск", []string{oms}}, // "томск" first: it contains "омск"
	{"новосибир", []string{nsk}}, {"кемеров", []string{nkz}}, {"кузбасс", []string{nkz}},
	{"алтай", []string{brn}}, {"красноярск", []string{krs}}, {"тыва", []string{krs}}, {"тува", []string{krs}},
	{"хакас", []string{krs}},
	{"иркут", []string{irk}}, {"бурят", []string{irk}},
	{"забайкал", []string{cht}}, {"читин", []string{cht}}, {"амур", []string{yak}},
	{"примор", []string{vla}}, {"хабаров", []string{vla}}, {"еврей", []string{vla}},
	{"магадан", []string{mag}}, {"камчат", []string{kam}}, {"чукот", []string{ana}},
	{"крым", []string{sim}}, {"севастопол", []string{sim}},
	{"волгоград", []string{vgg}}, {"киров", []string{kir}},
	// Everything below is Moscow time.
	{"москв", []string{msk}}, {"москов", []string{msk}}, {"петербург", []string{msk}}, {"ленинград", []string{msk}},
	{"адыге", []string{msk}}, {"дагестан", []string{msk}}, {"ингуш", []string{msk}}, {"кабардин", []string{msk}},
	{"калмык", []string{msk}}, {"карачаев", []string{msk}}, {"карел", []string{msk}}, {"коми", []string{msk}},
	{"марий", []string{msk}}, {"мордов", []string{msk}}, {"осети", []string{msk}}, {"татарстан", []string{msk}},
	{"чечен", []string{msk}}, {"чеченск", []string{msk}}, {"чуваш", []string{msk}}, {"краснодар", []string{msk}},
	{"ставрополь", []string{msk}}, {"архангель", []string{msk}}, {"ненец", []string{msk}}, {"белгород", []string{msk}},
	{"брянск", []string{msk}}, {"владимир", []string{msk}}, {"вологод", []string{msk}}, {"воронеж", []string{msk}},
	{"иванов", []string{msk}}, {"калуж", []string{msk}}, {"костром", []string{msk}}, {"курск", []string{msk}},
	{"липецк", []string{msk}}, {"мурман", []string{msk}}, {"новгород", []string{msk}}, {"орлов", []string{msk}},
	{"пенз", []string{msk}}, {"псков", []string{msk}}, {"ростов", []string{msk}}, {"рязан", []string{msk}},
	{"смолен", []string{msk}}, {"тамбов", []string{msk}}, {"твер", []string{msk}}, {"туль", []string{msk}},
	{"ярослав", []string{msk}}, {"донецк", []string{msk}}, {"луганск", []string{msk}}, {"запорож", []string{msk}},
	{"херсон", []string{msk}},
}

// RegionZones maps a region name from the ministry's numbering plan to its
// IANA zones (several for a region spanning several zones); nil when the
// name is not recognised.
func RegionZones(region string) []string {
	r := strings.ToLower(region)
	for _, s := range regionStems {
		if strings.Contains(r, s.stem) {
			return s.zones
		}
	}
	return nil
}
