// Package signals finds the cues in a post that the routing policy weighs
// besides a model's scores: who is named or targeted (and whether they are
// an activist, journalist or other defender), whether their home, family or
// phone number is exposed, whether the post is blackmail, and the cues of
// protected speech (criticism of officials, anti-corruption claims, protest
// calls, religious debate, satire) and of speech about speech (quotation,
// condemnation, negation).
//
// A Detector reads the normalised text once, looks each word (and each
// word with its clitic prefixes) up in one table built from the cue lists
// in cues/, and returns policy.Signal values whose Start and End point into
// the post's original text. Each signal can be switched off with Options.
// The names are the policy's signal labels; see Definitions and
// docs/signals.md.
package signals

import (
	"fmt"
	"slices"
	"strings"
)

// Signal names: the policy's signal labels this package computes.
const (
	NamedPerson       = "named_person"
	DefenderTargeted  = "defender_targeted"
	Doxxing           = "doxxing"
	ThreatCue         = "threat_cue"
	IncitementCue     = "incitement_cue"
	TerrorismCue      = "terrorism_cue"
	Dehumanisation    = "dehumanisation"
	Vilification      = "vilification"
	Contempt          = "contempt"
	Insinuation       = "insinuation"
	Exclusion         = "exclusion"
	Blackmail         = "blackmail"
	CriticismOfficial = "criticism_official"
	AntiCorruption    = "anti_corruption"
	Protest           = "protest"
	ReligiousDebate   = "religious_debate"
	Satire            = "satire"
	Quotation         = "quotation"
	Condemnation      = "condemnation"
	CondemnedQuote    = "condemned_quote"
	Negation          = "negation"
	Advert            = "advert"
	Sports            = "sports"
	Figurative        = "figurative"
	Reconciliation    = "reconciliation"
	LawfulRecourse    = "lawful_recourse"
	Esteem            = "esteem"
	Devotional        = "devotional"
	Endorsement       = "endorsement"
	SevereAbuse       = "severe_abuse"
)

// Definition describes one signal: what it means and what evidence fires it.
type Definition struct {
	// Name is the signal label, e.g. "named_person".
	Name string `json:"name"`
	// Meaning says what the signal means, for policy authors and reviewers.
	Meaning string `json:"meaning"`
	// Evidence says what in a post fires it.
	Evidence string `json:"evidence"`
}

var definitions = []Definition{
	{NamedPerson, "The post names, tags or addresses an identifiable person.",
		"an @handle; a role or honorific before a name (الناشط، الصحفي، الشيخ، النائب، الدكتور، Kak, Mamosta) or before اللي, or addressed with يا; ابو / ام before a name; a common given name followed by a name or family name, or, in the words of a threat, alone after يا (ونبدا بيك يا احمد; not the names يا invokes in prayer)"},
	{DefenderTargeted, "The person or group named is an activist, journalist, human-rights defender or protester.",
		"a named_person whose role is activist, journalist, defender or protester, or the plural of such a role (الصحفيين، المتظاهرين) as a group"},
	{Doxxing, "The post exposes where a person lives, works or goes, their family, car or phone number.",
		"a home, family member, car, workplace or route together with a cue that the writer knows or watches it (نعرف وين تسكن، بيتك معلوم), or with a schedule (تطلع الصبح); an Iraqi phone number or an address given for a named person, unless the post is an advert's own contact line"},
	{ThreatCue, "The post is worded as a threat of death or injury to the person it addresses or names.",
		"a first-person verb of killing or maiming with an object pronoun (نقتلك، لاخطفه، راح نذبحكم), or a set phrase of intimidation: counted days (احسب ايامك), you are next (انت التالي), a last warning (اعذر من انذر), blood declared lawful (دمك مهدور), a bullet or bomb meant for the reader (رصاصة براسك), a tribal raid on your house (الدكة الجاية), fear for your life or family (خاف على اهلك); a warning against doing it again followed by a visit (مرة ثانية … نجيك للاستوديو). Posts written in Arabizi are read a second time in Arabic letters, matched by consonant skeleton (re9a9a wa7da tikfeek)"},
	{IncitementCue, "The post calls on others to kill or hurt a person.",
		"a wish to see a people's blood (اريد اشوف دم الرافضة، نبي دمهم) or their blood declared lawful (الرافضة دمهم حلال); a plural imperative of a verb of killing or maiming with an object pronoun (اقتلوه، اسحلوها، احرقوهم), or a set call (لازم ينسحل، يستاهل الذبح، حقهم الرصاص، دمه حلال للكل، اللي يشوفه يقتله، انشروا صورته وعنوانه); a harm done to a people called a duty, justice or no crime (هدم مساجد الاسماعيليين واجب، رمي المثليين ليس جريمة، من الواجب طرد السوريين), not when denied (قتل الشيعة ليس جهادا)"},
	{TerrorismCue, "The post carries a slogan, oath or recruitment call of a terrorist organisation.",
		"باقية وتتمدد، انفروا خفافا وثقالا، التحقوا بالمجاهدين، بايعوا الخليفة، جنود الخلافة، هاجروا الى ارض الخلافة"},
	{Dehumanisation, "The post calls a people vermin, disease, filth or beasts.",
		"a people, sect, faith, origin or gender (الشيعة، الكرد، النازحين، اليهود، المثليين، النسوان; not السنة, which is also \"the year\") followed at once, or after words that only join them (هم، كلهم، دول، مثل), by a noun of vermin, disease, filth or beasts (جرذان، حشرات، عث، سرطان، طاعون، زبالة، خنازير، قرود), bare, with the article or with ك (كالحشرات), not after ب or ل (المصابات بسرطان), and with no negator between (الكرد مو حشرات)"},
	{Vilification, "The post damns a people as impure, infidels, bastards, traitors, slaves or terrorists.",
		"a people word as for dehumanisation followed in the same way by a noun that damns them (نجسين، انجاس، كفار، اولاد زنا، عاهرات، عبيد، خونة، عملاء، ذيول، مجوس، صفويين، دواعش، شواذ): «الصابئة نجسين»، «الكرد خونة»، «الرافضة اولاد زنا»; not after a negator (الكرد مو خونة); or a slur that names a people and damns them in one (عبدة الشيطان، ولاد المتعة، طرش بحر) wherever it stands, unless denied, mentioned as what others call them (نقول عليهم) or the writer's own (انا خضيري); a people word with two letters swapped or one dropped (الهيود، المسحيين) counts"},
	{Contempt, "The writer declares their hatred or disgust for a people, or curses them.",
		"a first-person verb of hatred, contempt or disgust (اكره، ابغض، احتقر، امقت، ما اطيق، اشمئز من) or a curse (الله يلعن، لعنة الله على، اللهم عليك، اللهم اهلك) followed at once, or after words that only join them (كل، هذول), by a people word as for dehumanisation: «اكره الكرد»، «الله يلعن الشيعة»، «اللهم عليك باليهود»; or a people word followed by the hatred with its object (اكرههم، ما اطيقهم، يقرفوني، الله يلعنهم، ابغض خلق الله): «المثليين احتقرهم»; not when denied (ما اكره الشيعة), after a preposition (بكره, tomorrow), or when a relative clause narrows the people (اكره النساء اللي …)"},
	{Insinuation, "The writer names a people and leaves the slur for the reader to finish.",
		"a people word, or one of a people (مصري، سوري، بدوي), and within thirty words either side an insinuation: تعرف الباقي، والباقي معروف، فهمت كل شي، لا تشرح، الحين عرفنا ليش، مجرد صدفة، مجرد ملاحظة، من اين له هذا، الجواب معروف، والعاقل يفهم، ومن جرب يعرف، التجربة علمتنا، هذي طبيعتهم: «لا يغرك ضحكته، مصري 😏 تعرف الباقي»، «ارتفعت السرقات منذ وصول العائلات المهاجرة… مجرد صدفة طبعا»"},
	{Exclusion, "The post denies a people a civic right, or would have them expelled or kept out.",
		"a people word (or woman in the singular: المرة، الحرمة، المرأة; not after هاي) followed at once, or after fillers, by a right denied with a civic act after it (ما الهم حق يصوتون، ليس لهن حق يسوقن، لا يحق لهم يدرسون), a place assigned (مكانها البيت، مكانهم البر), or a wish to be rid of them (لازم يرجعون لبلدهم، ما نريدهم، لا مكان لهم); or a call to expel followed by the people (اطردوا السوريين، برا من بلادنا يا سوريين، ارجعوا لبلدكم يا); not when denied before (مو كل الكرد لازم يطلعون) or narrowed by a relative clause; a right denied without the civic act (الكرد ما الهم حق بكركوك, a claim to land) does not count"},
	{Blackmail, "Sextortion or blackmail: private images, videos or chats held over someone.",
		"private media (صورك، الفيديو، المحادثات) with a threat to expose them and a demand or condition (اذا ما ... انشر، ادفع والا)"},
	{CriticismOfficial, "Criticism of officials, ministries, parliament, parties, the government or armed factions.",
		"an official or body (الوزير، الحكومة، البرلمان، الفصائل، الاحزاب) with a critical word (فاشل، فاسد، سرقو، حرامية، كذابين، ارحلو), or a standing slogan of criticism"},
	{AntiCorruption, "Claims or reporting of corruption.",
		"فساد، سرقة المال العام، رشوة، النزاهة، هدر، عقود وهمية، فضائيين; or public money with a project gone nowhere"},
	{Protest, "Calls to peaceful protest, strikes or sit-ins, and protest slogans.",
		"تظاهرة، مظاهرة، وقفة احتجاجية، اعتصام، اضراب، ساحة التحرير، نازل اخذ حقي، نريد وطن، سلمية"},
	{ReligiousDebate, "Theological argument or debate between schools and sects.",
		"a term of theology (الفقه، المذهب، تفسير، راي العلماء، السند، اجتهاد), or a word of argument (الدليل، نختلف، الحديث، رايي) about a religious subject"},
	{SevereAbuse, "Abuse of a person that goes beyond an insult: a sexual or honour slur, urging them to kill themselves, or calling on others to pile on.",
		"a sexual or honour slur (عاهرة، قحبة، شرموطة، منيوك، ديوث، مخنث), urging the reader to kill or hurt themselves (اقتل نفسك، روح انتحر، ليش ما تنتحر), or a call on others to abuse a person (سبوه، ادخلوا على حسابها، بهدلوه، خلوه يكره حياته); not ordinary insults (حمار، غبي، حيوان، ابن الكلب), and not after a negator (لا تسبوه)"},
	{Satire, "Satire, jokes and mockery.",
		"😂 🤣 😹 😆, ساخر، نكتة، تحشيش، مسخرة"},
	{Endorsement, "The post adopts the words it quotes or reports as its own: they are the writer's speech, not reported speech, so quotation (and condemned_quote) does not fire.",
		"words of agreement beside a quotation or a reporting verb: صدگ اللي گال، هذا الحچي الصحيح، الكلام الصح، عنده حق، وصادقة والله، كفو عليه، عين العقل، صدق من قال، 💯; not after a negator (مو الحچي الصحيح، ما عنده حق), nor in a post that also rejects, condemns or denies something"},
	{Quotation, "The post reports or quotes what someone else said.",
		"a reporting verb or attribution (قال، صرح، نقلا عن، حسب، وفق، افاد، مصدر) not addressed to the reader (قال لك), or words between quotation marks (« » “ ” \")"},
	{Condemnation, "The post rejects or condemns what was said.",
		"نرفض، ندين، نستنكر، لا للطائفية، كلنا عراقيين، هذا الكلام مرفوض، عيب، تحريض، خطاب كراهية; a group's rights affirmed (المسيحيين الهم حق يصوتون، من حقهم يدرسون، يستحقون العيش بكرامة) unless a but takes it back; not when a negator denies the charge (آني مو طائفي بس …، هذا مو عنصرية هذا واقع) or the rights (ما الهم حق، ليس لهم حق)"},
	{CondemnedQuote, "The post quotes or reports words in order to reject them: speech about speech.",
		"words between quotation marks, or a reporting verb or frame (قال، اللي يكتب، اللي يكول), together with the writer's own rejection of what was said outside the marks (نرفض، ندين، مرفوض، ما يمثلنا، هذا تحريض، خطاب كراهية); words that only describe (طائفي، عنصرية) do not count as rejection here"},
	{Negation, "The post negates a hateful claim or a generalisation.",
		"مو كل، ليس كل، لا يجوز، لا تعمم، مو خونة; the writer's denial of their own hatred or generalisation (ما اكره، ما اگول) unless a contrast follows (ما اكره احد بس …)"},
	{Sports, "Talk about a match, a team or its fans, where the terraces' violent idiom (نذبحهم بالملعب، يفترس الكل) is banter.",
		"a word of football and other sport: الملعب، المباراة، الدوري، المنتخب، الكورة، المدرب، الجمهور، الديربي، ⚽"},
	{Reconciliation, "The post reports or calls for the settling of a feud: a tribal reconciliation, an apology accepted, a settlement by consent.",
		"الصلح، صلح عشائري، المصالحة، تصالحوا، بالتراضي، طي الخلاف، انهاء الخلاف، قبلوا الاعتذار، سامحوا، العفو عند المقدرة; not after a negator or a denial (ماكو صلح، لا صلح)"},
	{LawfulRecourse, "The writer takes a dispute to the courts, a lawyer or the police: a demand backed by the law, not by force.",
		"ارفع عليك دعوى، اسلم الموضوع للمحامي، اروح للمحكمة، الشكوى جاهزة، ابلغ الشرطة، القضاء موجود، القانون ياخذ مجراه; not with a negator or a denial in the four words before it (ما اروح للمحكمة)"},
	{Esteem, "The writer speaks well of a people: as kin, neighbours or equals, with respect, praise, love or solidarity.",
		"cues/protected.tsv class esteem, read as contempt is read, its mirror: a people word followed at once, or after fillers, by kinship or praise (اهلنا، اخوتنا، ناس طيبين، اوادم، نحترمهم، نحبهم، ينوثق بيهم، جزء من هذا البلد), or, for a phrase whose pronoun carries them (نحترمهم، اهلنا), up to four words later in one clause; or a first-person verb of love, respect or solidarity, a greeting or a blessing followed by a people word (نحب، احترامي ل، تحية ل، كل التضامن مع، الله يحفظ): «الكرد اهلنا»، «الايزيدية ناس طيبين»، «تحية للمسيحيين»; not when denied (الكرد مو اهلنا، ما نحب)"},
	{Figurative, "The post uses a verb of violence figuratively: the violence is done to a thing or an abstraction, not to people.",
		"a verb of burning, breaking, killing, expelling, slaughtering, blowing up or crushing in any person (نحرق، كسرنا، اقتلوا، نطرد، يذبح، نفجر، نسحق) or a phrase of ending (نقضي على) followed at once by a thing or an abstraction: السعرات، المراحل، الروتين، الملل، الوقت، الفراغ، الكسل، الجليد، الرقم القياسي، الاسعار، البطالة، الطائفية: «لازم نحرق السعرات»، «نكسر الروتين»، «اقتلوا الملل بالقراءة»، «الفريق ذبح الخصم»"},
	{Advert, "A job, sale, rent or service advert.",
		"a word of wanting, hiring or selling (مطلوب، نطلب، فرصة عمل، شاغر، للبيع، للايجار) with a word of a job, pay or contact (سائق، موظف، راتب، دوام، خبرة، للتواصل، السعر)"},
	{Devotional, "The post is nothing but everyday devotional formulas: words of worship, not of any cause.",
		"every word of the post belongs to a whole formula of tasbih, tahmid, tahlil, takbir, istighfar, the basmala, blessings on the Prophet, hawqala, hasbala or amen (سبحان الله، الحمد لله، لا اله الا الله، الله اكبر، استغفر الله، اللهم صل على محمد وال محمد، امين يا رب); one other word (a name, a call, a hashtag) and it does not fire"},
}

// Names returns the names of the signals this package computes, in a fixed order.
func Names() []string {
	out := make([]string, len(definitions))
	for i, d := range definitions {
		out[i] = d.Name
	}
	return out
}

// Definitions returns every signal's definition, in the order of Names.
func Definitions() []Definition { return slices.Clone(definitions) }

// Known reports whether name is a signal this package computes.
func Known(name string) bool {
	return slices.ContainsFunc(definitions, func(d Definition) bool { return d.Name == name })
}

// Options configures a Detector.
type Options struct {
	// Disabled lists signals the Detector never reports, by name (see
	// Names), so that a signal can be switched off without a deploy: a
	// policy rule that needs it then never fires, and a protected category
	// it marks is marked by its other labels only. Switching off
	// named_person also switches off defender_targeted, and the address and
	// phone-number evidence of doxxing, which need a named person.
	Disabled []string `yaml:"disabled,omitempty" json:"disabled,omitempty"`
	// Defenders are people known to be activists, journalists,
	// human-rights defenders or protesters: a post naming one targets a
	// defender (see KnownDefender). rasd run reads them from
	// signals.defenders_file.
	Defenders []KnownDefender `yaml:"-" json:"-"`
}

// Validate checks that every disabled name is a known signal.
func (o Options) Validate() error {
	var bad []string
	for _, n := range o.Disabled {
		if !Known(n) {
			bad = append(bad, fmt.Sprintf("%q", n))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("signals: unknown signal %s (want one of %s)", strings.Join(bad, ", "), strings.Join(Names(), ", "))
	}
	if len(o.Defenders) > MaxDefenders {
		return fmt.Errorf("signals: %d known defenders, more than %d", len(o.Defenders), MaxDefenders)
	}
	for i, k := range o.Defenders {
		if err := k.validate(); err != nil {
			return fmt.Errorf("signals: known defender %d: %w", i+1, err)
		}
	}
	return nil
}
