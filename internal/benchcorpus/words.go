package benchcorpus

// The word lists below were written for this package. common holds function words and
// frequent news words, roughly in descending frequency, so that they take the head of
// the Zipf distribution; the long tail is made of synthetic words (see tailWords).

var common = fields(`the of to and a in that is for on said with was he it as at by from
	his be have has are an but not this they were will who had been their would after more
	its one also which year new two we than last people up about out first over there i all
	can she government could into when some other police percent years what most told
	million her time so if state no before them officials three while where only just since
	president minister against country week because many between our day during under
	world city former national company public may state like those any back next group
	including four security health market economic military told report support however
	part home law still months children team family set high well being made years month
	office party top local women election foreign called five according water second
	members least did billion major several house should end court since news both
	former political how long country left around early percent old another my house
	government business day then could take such even own work through school power
	way down since each area days much percent little million good us help told right
	number money least found police already expected including meeting agency officials
	case plan water leader earlier system late me away make later known open north south
	east west service companies did going recent decision months does rights come policy
	death show use best war until prices interest small killed statement official federal
	times held director past university oil attack bank general once among life half head
	spokesman chief system yesterday added private human close must per price far global
	press change economy again never job across taken today workers asked given based high
	rate data ministry region growth council vote minister leaders industry program trade
	deal central record hospital project public forces control following talks plans
	energy children authorities announced center without border troops agreement
	investigation president's tax capital level campaign budget sales shares investors
	food lower higher reported rose fell increase decline quarter cost costs crisis
	parliament opposition protest protesters police officers victims fire storm flood
	airport flight train bridge road minister's committee senate commission union
	european international chinese american russian british french german reported
	season game players coach match club league win won lost final points goals injury
	weather temperatures rain snow scientists study research results patients virus
	vaccine cases doctors medical technology internet phone software data users online
	film music artist book museum festival award prize church community residents town
	village farmers land housing rent inflation unemployment jobs wages pension
	students teachers schools exam court judge trial prison sentence charges lawyer
	evidence witness suspect arrested charged accused guilty appeal ruling case
	election voters candidate poll results ballot majority coalition minority seats
	reform bill measure proposal debate law laws rules regulation agency watchdog
	emissions climate carbon gas coal nuclear solar wind power electricity grid
	shipping port cargo exports imports tariffs currency dollar euro yen stocks bonds
	markets analysts forecast profit loss revenue earnings dividend merger takeover
	chief executive chairman board shareholders employees staff strike union talks
	ceasefire peace troops soldiers army navy missile attack bombing explosion
	refugees migrants aid humanitarian crisis famine drought earthquake tsunami`)

// names are capitalised person and place names. A few are spelled with letters
// outside ASCII, as real news text is.
var names = fields(`John Mary David Sarah Michael Anna Peter Laura James Maria Thomas
	Elena Robert Emma Daniel Sophie Ahmed Fatima Wei Yuki Carlos Ana Olga Ivan Pierre
	Smith Johnson Brown Miller Davis Wilson Taylor Anderson Thomas Moore Martin Clark
	Lewis Walker Hall Young King Wright Lopez Hill Scott Green Adams Baker Nelson Carter
	London Paris Berlin Washington Moscow Beijing Tokyo Madrid Rome Brussels Geneva
	Chicago Texas California Florida Sydney Toronto Mumbai Delhi Cairo Lagos Nairobi
	Europe Asia Africa America China Russia Germany France Britain Japan India Brazil
	Canada Mexico Italy Spain Iran Israel Ukraine Poland Turkey Egypt Syria Iraq
	Reuters EU UN NATO Microsoft Google Apple Boeing Airbus Toyota Siemens
	Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March
	April May June July August September October November December`)

// foreign are words with letters or symbols outside ASCII.
var foreign = fields(`café Zürich München São Paulo naïve résumé Gdańsk Kraków Ålesund
	señor Erdoğan Müller Dvořák Göteborg Malmö Besançon Québec Bogotá Medellín Reykjavík
	Łódź Düsseldorf Köln Sønderborg Brønnøysund Pérez González Ibáñez Françoise Nuñez
	€ £ ¥ — – … Σ Αθήνα Москва 東京 北京`)

// onsets, nuclei and codas make up the synthetic long-tail words.
var (
	onsets = fields(`b c d f g h k l m n p r s t v w b d g l m n p r s t - - - bl br ch cl
		cr dr fl fr gr pl pr sh sp st th tr`)
	nuclei = fields(`a e i o u a e i o a e i o ai ea ee oo ou`)
	codas  = fields(`- - - - - - - n r s t l m n r s t nd nt st ck ng`)
	tails  = fields(`- - - - - - - - - - s s s ed ing er ly ion ment al`)
)

// fields splits s on ASCII whitespace.
func fields(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}
