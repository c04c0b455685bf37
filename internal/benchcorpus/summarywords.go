package benchcorpus

import "strings"

// families are the inflection families of the summary corpora: each line holds forms of
// one word (and a few derived words), so that a prediction can say "rising prices"
// where the reference says "prices rose" or "price rises". The Porter stemmer maps
// most forms of a family to one stem (regular endings), but not all (irregular forms,
// derivations it does not undo), as in real text. Written for this package.
var families = lines(`
	increase increases increased increasing
	rise rises rising risen
	fall falls falling fallen
	report reports reported reporting reporter reporters
	announce announces announced announcing announcement announcements
	decide decides decided deciding decision decisions
	agree agrees agreed agreeing agreement agreements
	expect expects expected expecting expectation expectations
	govern governs governed governing government governments
	elect elects elected electing election elections
	invest invests invested investing investment investments investor investors
	develop develops developed developing development developments
	manage manages managed managing management manager managers
	produce produces produced producing producer producers production
	consume consumes consumed consuming consumer consumers consumption
	protest protests protested protesting protester protesters
	negotiate negotiates negotiated negotiating negotiation negotiations
	investigate investigates investigated investigating investigation investigations
	operate operates operated operating operation operations operator
	regulate regulates regulated regulating regulation regulations regulator regulators
	predict predicts predicted predicting prediction predictions
	warn warns warned warning warnings
	close closes closed closing closure
	open opens opened opening openings
	build builds building buildings builder
	plan plans planned planning planner
	vote votes voted voting voter voters
	employ employs employed employing employer employers employee employees employment
	train trains trained training trainer
	suffer suffers suffered suffering
	recover recovers recovered recovering recovery
	improve improves improved improving improvement improvements
	reduce reduces reduced reducing reduction reductions
	cut cuts cutting
	delay delays delayed delaying
	damage damages damaged damaging
	destroy destroys destroyed destroying destruction
	protect protects protected protecting protection
	connect connects connected connecting connection connections
	support supports supported supporting supporter supporters
	oppose opposes opposed opposing opposition
	propose proposes proposed proposing proposal proposals
	approve approves approved approving approval
	reject rejects rejected rejecting rejection
	require requires required requiring requirement requirements
	provide provides provided providing provider providers
	pay pays paying payment payments
	charge charges charged charging
	cost costs costing costly
	price prices priced pricing
	rate rates rated rating ratings
	grow grows growing growth grower
	rain rains rained raining rainy rainfall
	flood floods flooded flooding
	storm storms stormy
	heat heats heated heating heater
	power powers powered powering powerful
	city cities
	policy policies
	agency agencies
	family families
	company companies
	economy economies economic economics economist economists
	country countries
	community communities
	authority authorities
	industry industries industrial
	study studies studied studying student students
	worker workers work works worked working
	teacher teachers teach teaches taught teaching
	hospital hospitals hospitalised
	patient patients patiently
	resident residents residence residential
	official officials officially
	nation nations national nationally nationalist
	region regions regional regionally
	local locally locals
	public publicly publish published publishing
	final finally finals finalist
	general generally generals
	recent recently
	quick quickly quicker quickest
	slow slowly slower slowest slowing slowed
	strong strongly stronger strongest strength
	weak weakly weaker weakest weakness weakened
	high higher highest highly
	low lower lowest lowered lowering
	large larger largest largely
	safe safely safer safety
	serious seriously seriousness
	effective effectively effectiveness
	success successful successfully succeed succeeded
	happy happily happiness
	careful carefully carelessness
	clear clearly cleared clearing
	sharp sharply sharpest
	steady steadily steadied
	direct directly directed director directors direction
	connectivity connective
	organize organizes organized organizing organization organizations organizer
	generate generates generated generating generation
	relate relates related relating relation relations relationship
	adjust adjusts adjusted adjusting adjustment adjustable
	sensation sensational sensationally
	allowance allowances allow allows allowed allowing
	hope hopes hoped hoping hopeful hopefully
	argue argues argued arguing argument arguments
	arrive arrives arrived arriving arrival
	leave leaves leaving
	meet meets meeting meetings
	speak speaks speaking speaker speakers
	lead leads leading leader leaders leadership
	win wins winning winner winners
	lose loses losing loser
	play plays played playing player players
	score scores scored scoring
	travel travels travelled traveling traveller travellers
	fly flies flying flight flights
	drive drives driving driver drivers
	ship ships shipped shipping shipment shipments
	trade trades traded trading trader traders
	market markets marketed marketing
	sell sells selling seller sellers sale sales
	buy buys buying buyer buyers
	share shares shared sharing shareholder shareholders
	bank banks banking banker bankers
	loan loans loaned lending
	tax taxes taxed taxing taxation
	fund funds funded funding
	budget budgets budgeted budgetary
	spend spends spending spender
	save saves saved saving savings
	measure measures measured measuring measurement measurements
	test tests tested testing
	treat treats treated treating treatment treatments
	infect infects infected infecting infection infections
	vaccinate vaccinated vaccinating vaccination vaccinations
	research researches researched researching researcher researchers
	discover discovers discovered discovering discovery discoveries
	explain explains explained explaining explanation
	describe describes described describing description
	inform informs informed informing information
	communicate communicates communicated communicating communication
	celebrate celebrates celebrated celebrating celebration celebrations
	attend attends attended attending attendance
	perform performs performed performing performance performances
	relevant relevance irrelevant
	conditional condition conditions conditioned conditioning
	hesitate hesitates hesitated hesitating hesitation
	rational rationally rationality rationalize
	formal formally formality formalize
	digital digitally digitize
	electric electrical electricity electrically
	predictable predictably unpredictable
	controversy controversies controversial
	critic critics critical critically criticism criticize criticized
`)

// lines splits s into lines of whitespace-separated fields, skipping blank lines.
func lines(s string) [][]string {
	var out [][]string
	for _, l := range strings.Split(s, "\n") {
		if f := fields(l); len(f) > 0 {
			out = append(out, f)
		}
	}
	return out
}
