package signals

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/nlp"
	"github.com/rasd-iq/rasd/policy"
)

func detector(t testing.TB, disabled ...string) *Detector {
	t.Helper()
	d, err := New(Options{Disabled: disabled})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func find(sigs []policy.Signal, name string) (policy.Signal, bool) {
	for _, s := range sigs {
		if s.Name == name {
			return s, true
		}
	}
	return policy.Signal{}, false
}

// TestSignalsAndTwins checks each signal on posts written the way people
// post, and that a minimally different twin (quoted, negated, reported,
// an advert, banter) does not fire it. The evidence must point into the
// original text at the cue.
func TestSignalsAndTwins(t *testing.T) {
	d := detector(t)
	for _, tc := range []struct {
		name   string
		signal string
		text   string
		cue    string // text[Start:End] of the signal contains it
		detail string // the signal's detail contains it
		twin   string // must not fire signal
	}{
		{"activist named with role", DefenderTargeted,
			"الناشطه نور الساعدي خل تقرا الفاتحة على روحها، ما بقالها الا ايام", "نور", `role "activist"`,
			"الناشطين بالعالم كله يحتفلون باليوم العالمي للبيئة"},
		{"journalist addressed", DefenderTargeted,
			"يا مراسل الفضائية، بعد تقرير واحد عن المعبر وشوف شيصير بيك", "مراسل", `role "journalist"`,
			"مطلوب مراسل لقناة محلية بالبصرة، الراتب زين"},
		{"journalist by relative clause", DefenderTargeted,
			"الصحفيه اللي كتبت عن الادويه المغشوشه، عدها ايام", "الصحفيه", "journalist",
			"صحفيه شابه فازت بجائزه، مبروك الها"},
		{"threat in the first person aimed at you", ThreatCue,
			"والله يا ابو علاوي لاخطفك من باب بيتك", "لاخطفك", "abduct",
			"خطفوا ابو علاوي البارحة من باب بيته، الله يرجعه سالم"},
		{"counted days", ThreatCue,
			"@zainab_writes احسبي ايامج بعد هالمقال", "احسبي ايامج", "days counted",
			"احسب ايام العطلة، باقي اسبوع"},
		{"counted days, said to many", ThreatCue,
			"للي يكتبون علينا بالكروبات: احسبوا ايامكم، الدور جايكم", "احسبوا ايامكم", "days counted",
			"الطلاب يحسبون ايامهم للعطلة، باقي اسبوع"},
		{"slaughtering a sheep is no threat", ThreatCue,
			"راح اذبحك اذا ما ترجع الفلوس", "اذبحك", "slaughter",
			"راح اذبحها للعيد، الخروف سمين"},
		{"a condolence is no threat", ThreatCue,
			"خل يقرا الفاتحة على روحه، ما بقاله الا ايام", "خل يقرا", "funeral prayer",
			"رحمه الله، نرجو من الجميع قراءة الفاتحة على روحه"},
		{"a call on others to kill him", IncitementCue,
			"هذا الخاين ابو مصطفى اقتلوه وين ما تلگوه", "اقتلوه", "kill",
			"قتلوه البارحة ابو مصطفى، الله يرحمه"},
		{"a terrorist slogan", TerrorismCue,
			"الدولة الاسلامية باقية وتتمدد رغم انوفكم", "باقية", "slogan",
			"الدولة العراقية باقية رغم كل الازمات"},
		{"a price on a named head", NamedPerson,
			"مطلوب راس عباس الدراجي حي او ميت", "عباس", "bounty",
			"مطلوب راس مال للمشروع، للتواصل خاص"},
		{"a joke denied is no satire", Satire,
			"هالتصريح نكتة السنة 😂", "نكتة", "word",
			"كل جامع بالمنطقة لازم ينحرق، هاي مو نكتة"},
		{"newsroom handle", DefenderTargeted,
			"@najaf_news_24 احذف الخبر خلال ساعة", "@najaf_news_24", "journalist",
			"@najaf_cafe_24 شكرا على الضيافة، نرجعلكم الجمعة"},
		{"pointed at by their work", DefenderTargeted,
			"الدكتوره اللي تسوي ندوات عن حقوق المعتقلين، سكتي احسن", "الدكتوره", "(by their work)",
			"الدكتوره اللي تسوي عمليات بالمستشفى، الله يحفظها"},
		{"protesters pointed at by their protest", DefenderTargeted,
			"كل واحد يطلع بمظاهرة السبت بالبصرة، شيخلي ورا ظهره حساب", "كل واحد يطلع بمظاهرة", "(group)",
			"ندعو الشباب الى اعتصام سلمي يوم السبت بالبصرة"},
		{"a page reported is condemnation; a threat passed on to the reader's own people is none", Condemnation,
			"هاي الصفحة تنشر تهديدات، بلغوا عنها", "بلغوا", "",
			"يا جماعة الخيمة احسبوا ايامكم، بلغوا ربعكم"},
		{"a place's adjective after a given name is a family name", NamedPerson,
			"يا كريم البصري لا تتعب نفسك", "كريم البصري", "name",
			"الصحفي البصري كتب عن الموانئ"},
		{"handle tagged", NamedPerson,
			"@sara_basrawi_ احذفي الفيديو قبل الليل", "@sara_basrawi_", "handle",
			"شكرا للجميع على التهاني، حبايبي كلكم"},
		{"honorific and name, elongated", NamedPerson,
			"الشيييخ عدنان الزيدي كلامه ما يمشي علينا", "عدنان", `role "cleric"`,
			"الشيخ اللي ما يفهم بالشي لا يحچي بيه"},
		{"kunya", NamedPerson,
			"ابو مهدي صاحب المولدة، حسابك وياي", "ابو مهدي", "kunya",
			"ابو الفلافل بشارعنا احسن واحد 😋"},
		{"Kurdish honorific", NamedPerson,
			"Kak Rebwar, stop posting about the dam", "Rebwar", "honorific",
			"the dam needs repairs before winter"},
		{"given and family name", NamedPerson,
			"حيدر الشويلي والله ما تفلت منا", "حيدر الشويلي", "name",
			"حيدر بالعربي معناها الاسد"},
		{"doxxing: home known", Doxxing,
			"نعرف بيتكم بحي العامل، وولدك يطلع الساعة سبعة", "بيتكم", "home",
			"البيت بيتك حبيبي، تعال بأي وقت"},
		{"doxxing: Arabizi", Doxxing,
			"ne3ruf bietak zain, ib3id", "bietak", "home",
			"bietak 7ilo, mashallah"},
		{"doxxing: family schedule", Doxxing,
			"مرتك تطلع كل يوم للدوام بنفس الطريق", "مرتك", "family",
			"سلملي على مرتك وجهالك"},
		{"doxxing: phone number of a named person", Doxxing,
			"هذا رقم الصحفي سامر البدري 0770 123 4567 خلوه يشوف شغله", "0770 123 4567", "phone",
			"مطلوب سائق لشركة نقل، للتواصل 07701234567"},
		{"blackmail", Blackmail,
			"صووورچ كلها عندي، اذا ما تحولين ٢٠٠ الف باچر انشرها بكروب العشيرة", "صووورچ", "expose",
			"صوركم بالحفلة حلوة، راح انشرها بالكروب اذا وافقتو"},
		{"blackmail demand with condition", Blackmail,
			"الفيديو مالتك عندي، ادفع ٥٠٠ دولار والا تندم", "الفيديو", "demand",
			"الفيديو مالتك حلو كلش، شكد كلفك المونتاج؟"},
		{"criticism of a minister", CriticismOfficial,
			"الوزير فاااشل وسرقو البلد، ارحلووو", "الوزير", "minister",
			"الوزير زار مستشفى الكندي واطلع على الخدمات"},
		{"criticism of factions in Arabizi", CriticismOfficial,
			"el wazeer fashil w kul el 7ukuma", "wazeer", "minister",
			"el wazeer zar el mustashfa el yom"},
		{"anti-corruption", AntiCorruption,
			"عقود وهمية بالمليارات وهيئة #النزاهة نايمة", "عقود وهمية", "corruption",
			"العقد مالتي بالشركة خلص، ادور شغل جديد"},
		{"protest call", Protest,
			"#نازل_اخذ_حقي الجمعة ساحة التحرير الساعة ٣ سلمية", "نازل", "slogan",
			"التحرير بالموصل كان سنة ٢٠١٧"},
		{"religious debate", ReligiousDebate,
			"رأي العلماء بالمسألة مختلف، ونختلف بالدليل بس نحترم بعض", "العلماء", "theology",
			"العلماء اكتشفوا كوكب جديد"},
		{"satire", Satire,
			"الكهرباء اجت ساعة وحدة وصرنا نحتفل 😂😂", "😂", "emoji",
			"الكهرباء اجت ساعة وحدة اليوم"},
		{"quotation marks", Quotation,
			"واحد كاتب «كلهم دواعش» بالتعليقات", "كلهم دواعش", "marks",
			"كلهم طيبين بمنطقتنا"},
		{"reporting verb", Quotation,
			"نقلا عن مصدر امني، المسلحين هددوا الاهالي", "نقلا", "reporting",
			"المسلحين هددوا الاهالي"},
		{"condemnation", Condemnation,
			"هذا الكلام مرفوض، لا للطائفية، كلنا عراقيين", "مرفوض", "rejection",
			"هذا الكلام صحيح"},
		{"unity of a people", Condemnation,
			"العراقيين كلهم اخوان، ما فرق بين سني وشيعي", "العراقيين كلهم اخوان", "unity",
			"الشيعة كلهم خونة، ما فرق بين واحد والثاني"},
		{"a group praised whole", Condemnation,
			"السنة كلهم اخوتنا، ونحمي اهلهم بالانبار", "كلهم اخوتنا", "unity",
			"الشيعة كلهم طيبين بس لو تغمض عينك يذبحوك"},
		{"unity slogan", Condemnation,
			"اخوان سنة وشيعة، هذا الوطن ما نبيعه", "اخوان سنة وشيعة", "unity",
			"الاخوان المسلمين خربوا البلد"},
		{"negation", Negation,
			"مو كل السنة دواعش ولا كل الشيعة ميليشيات", "مو كل", "negated",
			"كل السنة والشيعة اخوان"},
		{"a call to kill denied (Levantine)", Negation,
			"ما حدا لازم ينقتل عشان طايفته. نقطة.", "ما حدا لازم ينقتل", "negated",
			"لازم ينقتل كل واحد منهم عشان طايفته"},
		{"a group said to deserve death", IncitementCue,
			"الروافض يستاهلون القتل واحد واحد", "يستاهلون القتل", "deserve death",
			"الروافض يستاهلون الاحترام مثل غيرهم"},
		{"a generalisation denied", Negation,
			"ما اگول كل السنة دواعش، اغلبهم اهلنا", "ما اگول", "denial",
			// "I say no more" closes a veiled threat.
			"ليلة الخميس نخلص الحساب وياهم، ما اگول اكثر"},
		{"words reported, not a joke's dialogue", Quotation,
			"سألوه شكد عدد سكان مدينتكم؟ گال ما ادري", "گال", "reporting",
			"سألوه شكد عدد سكان مدينتكم؟ گال اللي بالسجن لو اللي برة؟ 😂"},
		{"a saying adopted", Endorsement,
			"صدق من قال «الكرد ما الهم امان»، جربناهم", "صدق من قال", "adopted",
			"اللي قال «الكرد ما الهم امان» ما يعرفهم"},
		{"someone's words reported", Quotation,
			"الشيخ يقول لازم نسامح اللي اذانا", "يقول", "reporting",
			// Scripture invoked as the writer's own authority.
			"الدين يقول قاتلوهم، والروافض اول ناس"},
		{"the writer's hatred denied", Negation,
			"ما اكره الكرد، عندي اصدقاء منهم بأربيل", "ما اكره", "denial",
			"ما اكره احد بس السنة بطبعهم يحنون للبعث، مستحيل يتغيرون"},
		{"a charge named, not denied", Condemnation,
			"هذا الكلام طائفي ومرفوض", "طائفي", "rejection",
			"آني مو طائفي بس الشيعة ولاءهم لايران قبل العراق"},
		{"a charge of racism named, not denied", Condemnation,
			"منع السمر من الوظايف عنصرية", "عنصرية", "rejection",
			"ما نقبل سمر بالشركة، وهذا مو عنصرية هذا واقع"},
		{"quoted words adopted", Endorsement,
			"جدتي گالت «الصبة نجسين لا تشربون من مايهم» وهي صادقة", "صادقة", "adopted",
			"جدتي گالت «الصبة جيراننا من زمان» ونحبهم"},
		{"reported words adopted", Endorsement,
			"صدگ اللي گال الكردي ما يصير صديق", "صدگ", "adopted",
			"اللي گال الكردي ما يصير صديق ما عنده حق، اهلنا"},
		{"a quote adopted, not after a negator", Endorsement,
			"«كل اهل الانبار نواصب» هذا الحچي الصحيح", "الحچي الصحيح", "adopted",
			"«كل اهل الانبار نواصب» مو الحچي الصحيح"},
		{"an argument about a practice", ReligiousDebate,
			"رايي بالصلاة على الميت بالجامع اختلف عنك", "رايي", "argument",
			// An opinion about a religion's people is no religious debate.
			"اعتقد ان المسيحيين ما الهم حق بالمناصب بالدولة"},
		{"an Islamic State province is no verse in debate", ReligiousDebate,
			"اقرا الاية زين قبل ما تحچي عن الاسلام", "الاية", "argument",
			"ولاية العراق راجعة والمجاهدين جاهزين، ابشروا يا اهل السنة"},
		{"warned, then a visit to the studio", ThreatCue,
			"انت يا مقدم البرنامج، مرة ثانية تجيب سيرة الفصائل بحلقتك نجيك للاستوديو", "مرة ثانية", "warned visit",
			"انت يا مقدم البرنامج، نجيك للاستوديو مرة ثانية ونكمل الحلقة 🌹"},
		{"a kunya names someone, an insult does not", NamedPerson,
			"ابو حيدر الساعدي نطاني صفر على شغلة تافهة", "ابو حيدر", "kunya",
			"الاستاذ مال الفيزياء ابن كلب، نطاني صفر على شغلة تافهة"},
		{"addressed by a given name in a threat", NamedPerson,
			"اللي يشتغل ويا القنوات الاجنبية بكركوك خاين وعقوبته معروفة، ونبدا بيك يا احمد", "يا احمد", "addressed",
			"يا احمد، القنوات الاجنبية بكركوك تدور مصورين، قدم عليها"},
		{"a son of a named father, not of a tribe or an uncle", NamedPerson,
			"يا ابن حسين، حسابك وياي", "ابن حسين", "kunya",
			"مو كل ابن عشيرة يشيل سلاح، ونطلع كلنا لعرس ابن عمنا"},
		{"a role before a common word is no name", NamedPerson,
			"المدير حيدر الساعدي يطردنا من الاجتماع اذا تأخرنا", "المدير حيدر الساعدي", "role \"official\"",
			"المدير لازم يطردنا من الاجتماع اذا تأخرنا مرة ثانية"},
		{"a bare given name after يا in praise is no person", NamedPerson,
			"ونبدا بيك يا احمد، عقوبتك معروفة", "احمد", "addressed",
			"يا جمال الجو والله، يا كريم"},
		{"a call quoted to condemn it", CondemnedQuote,
			"نرفض هذا الكلام الطائفي: اللي يكتب اقتلوا الشيعة ما يمثلنا، كلنا عراقيين", "نرفض", "reported to condemn",
			"هذا الكلام الطائفي صحيح، اقتلوا الشيعة كلهم"},
		{"a threat received and shown, with solidarity", CondemnedQuote,
			"وصلتني هالرسالة بالخاص: «والله اذا ما تمسح البوست نجيك للبيت» ما راح امسح شي، تضامننا ويا كل زميل", "«والله", "quoted to condemn",
			"«والله اذا ما تمسح البوست نجيك للبيت» تضامننا ويا اللي كتبها، ونقتلك اذا ما تسكت"},
		{"quoted in single marks (Arabizi)", CondemnedQuote,
			"7ada kitab l 3ali 'bietak m3arouf w sayartak m3aroufa'.. هذا تهديد ولازم يتحاسب", "'bietak", "quoted to condemn",
			"هذا تهديد: bietak m3arouf w sayartak m3aroufa"},
		{"a union reports a threat and asks for protection", CondemnedQuote,
			"نقابة الصحفيين: الزميل باسم الطائي تلقى تهديد مكتوب «الكواتم ما تقرا بطاقات نقابة»، والنقابة تحمّل الجهات الامنية مسؤولية سلامته", "مسؤولية سلامته", "quoted to condemn",
			"«الكواتم ما تقرا بطاقات نقابة» يا باسم الطائي"},
		{"a charge denied", Negation,
			"الاكراد مو خونة، كركوك بيتهم مثل ما هي بيت العرب والتركمان", "مو خونة", "negated",
			"الاكراد خونة، كركوك مو بيتهم"},
		{"sports talk", Sports,
			"الجمعة نذبحهم بالملعب، الزوراء ما يرحم ⚽", "بالملعب", "sport",
			"الجمعة نذبحهم بالسوق، ما نرحم احد"},
		// Arabizi posts, read by ear: the cue's Arabic spelling is not
		// what the writer typed, and the evidence is the Latin text.
		{"arabizi: staged accident for speaking", ThreatCue,
			"ya mahdi el 3amarchi, lo ma tiskut raa7 nsawwilak 7adith sayyara, mafhoum?", "nsawwilak 7adith", "staged accident",
			"allah yir7am mahdi el 3amarchi, ra7 b 7adith sayyara 3al 6ari9 el sari3 💔"},
		{"arabizi: silenced activist", DefenderTargeted,
			"ya mahdi el 3amarchi, lo ma tiskut raa7 nsawwilak 7adith sayyara, mafhoum?", "mahdi", "activist",
			"ya mahdi el 3amarchi, shlonak? sar zaman ma shifnak 🌹"},
		{"arabizi: a bullet is enough", ThreatCue,
			"sajjad el ka3bi, re9a9a wa7da tikfeek, w 5alli tishreen tinfa3ak", "re9a9a wa7da", "bullet",
			"sajjad el ka3bi, kilma wa7da tikfeek: shukran 3ala kul shi 🌹"},
		{"arabizi: named by given and family name", NamedPerson,
			"sajjad el ka3bi, re9a9a wa7da tikfeek", "sajjad el ka3bi", "name",
			"el 7ar el yom re9a9a, ma 7ad ytla3 🥵"},
		{"arabizi: blame yourself", ThreatCue,
			"nawras el rubai3i 3indak 24 sa3a ti6la3 mn el ba9ra, ba3adha la tloom ila nafsak", "la tloom ila nafsak", "blame yourself",
			"nawras el rubai3i 3indak 24 sa3a t5allis el taqreer, 7athari el 3ameed ma yintathir"},
		{"arabizi: hatred denied beside a quoted threat", Negation,
			"ma akrah el masi7iyeen, wallah lli y9ol naktilhum ma y3rf shi", "ma akrah", "denial",
			// "bas" is read too: the denial set up to be taken back.
			"ma akrah el masi7iyeen bas wallah ra7 naktilhum"},
		// A people's noun read by ear is compared by skeleton: kuffar
		// reads كفر, the cue is كفار. kollha (كلها) shares its skeleton
		// with الكاولية and is no people; el qatala (القتلة) is no verb.
		{"arabizi: a people called infidels", Vilification,
			"el masee7iyyeen kuffar w 3abadat 9aleeb", "el masee7iyyeen kuffar", "كفار",
			"el 7okoma kollha 7aramiya wallah, ma3ash ma3ash"},
		{"arabizi: a people called dogs", Dehumanisation,
			"el shi3a kilab wallah", "el shi3a kilab", "كلاب",
			"el shi3a ahlna wallah, w el kilab bil shari3 kithrat"},
		// One of a people after every, and the writer's meeting them,
		// damned: a charge on them all; a denied meeting and a virtue:
		// none of them has it.
		{"every one met, damned", Vilification,
			"كل مصري شفته بحياتي نصاب", "مصري شفته بحياتي نصاب", "نصاب",
			"كل مصري شفته بحياتي كان خوش ولد"},
		{"no honest one ever met", Vilification,
			"لم أقابل مسلما واحدا أمينا في حياتي", "أقابل مسلما واحدا أمينا", "none of them",
			"ما شفت شيعي واحد صادق بهالحكومة"},
		// A people not wanted here: exclusion, only with here or a
		// place right after them.
		{"a people not wanted here", Exclusion,
			"ما نبي هنود بالديرة", "ما نبي هنود", "",
			"ما نريد المسيحيين يطلعون من البلد، هم اهلنا"},
		{"a faith's houses of worship to burn", ThreatCue,
			"سأحرق كل كنيسة في المدينة", "سأحرق كل كنيسة", "worship",
			"سأزور كل كنيسة في المدينة"},
		{"one of a people's killing demanded, verb first", IncitementCue,
			"يجب أن يقتل كل مثلي", "يجب أن يقتل كل مثلي", "demanded",
			"يجب أن يحاكم كل قاتل"},
		{"one of a people's killing deserved", IncitementCue,
			"كل ملحد يستحق أن يقتل", "ملحد يستحق أن يقتل", "demanded",
			"كل مسيحي يستحق ان يعيش بكرامة"},
		{"a people wished away", IncitementCue,
			"أتمنى أن يختفي كل اليهود من الوجود", "أتمنى أن يختفي كل اليهود", "",
			"أتمنى أن يختفي الفقر من بلادنا"},
		{"a people called unfit to lead", Exclusion,
			"النساء لا يصلحن للقيادة", "النساء لا يصلحن للقيادة", "",
			"هذا المدير لا يصلح للقيادة"},
		{"a charge asked back and rejected", CondemnedQuote,
			"اليهود كلهم خونة؟ هذا هراء", "هراء", "asked back",
			"اليهود كلهم خونة؟ كلام فارغ؟ لا والله صدك"},
		{"no good one of a people exists", Vilification,
			"لا يوجد مهاجر صالح", "يوجد مهاجر صالح", "none of them",
			"في سوري صالح ساعدني اليوم"},
		{"one of a people distrusted", Contempt,
			"لن أثق أبدا بمسلم", "لن أثق أبدا بمسلم", "",
			"لا تثق بأي سياسي"},
		{"a people's harm called the solution", IncitementCue,
			"الحل الوحيد للمثليين هو الإعدام", "الحل الوحيد للمثليين هو الإعدام", "solution",
			"الحل الوحيد للأكراد هو الحوار لا القتل"},
		{"a coffin for the reader", ThreatCue,
			"لم اغراضك واطلع من العراق قبل لا تطلع منه بتابوت", "تطلع منه بتابوت", "body returned",
			"الشهيد رجع لاهله بتابوت ملفوف بالعلم، الله يرحمه"},
		{"one of a people's killing called a duty", IncitementCue,
			"ذبح الرافضي قربة لله", "ذبح الرافضي قربة لله", "duty",
			"ذبحنا خروفين للعرس يوم الخميس، الكل معزوم"},
		{"a people called flies", Dehumanisation,
			"المصاروه ذبان، وين ما فيه صحن أكل تلقاهم", "المصاروه ذبان", "ذبان",
			"الهنود شعب طيب وشغيل"},
		{"revenge on every one of a people", ThreatCue,
			"سننتقم من كل سنّي في هذه البلدة", "سننتقم من كل سنّي", "",
			"سننتقم من القتلة بالقانون"},
		{"no solution with them but the harm", IncitementCue,
			"الأكراد شعب خائن، لا علاج مع هؤلاء إلا الإبادة", "علاج مع هؤلاء إلا الإبادة", "solution",
			"الأكراد شعب عنيد، لا علاج مع هؤلاء إلا الحوار"},
		{"an ultimatum to a people", IncitementCue,
			"الإيزيديه يا يتوبون يا ينذبحون، ما في خيار ثالث", "ينذبحون", "",
			"يا جماعة يا ناس يموتون من الجوع"},
		{"hatred never felt", Negation,
			"عمري ما كرهت الشيعه ولا بكرههم، نص ربعي منهم", "عمري ما كرهت", "",
			"لم أكره شعباً في حياتي كما أكره الأمازيغ"},
		{"nothing works with them but beating", IncitementCue,
			"الحريم نقصات عقل ودين وما ينفع معهن الا الضرب", "الحريم نقصات عقل ودين وما ينفع معهن الا الضرب", "solution",
			"الحريم ما ينفع معهن الا الحب والاحترام"},
		{"a people called unfit", Exclusion,
			"المرأة ليست أهلاً لأي منصب قيادي", "المرأة ليست أهلاً", "",
			"الحكومة ليست أهلا للثقة"},
		{"what use is a people", Contempt,
			"وش فايدة المصريين أصلاً غير الهرج الكثير", "وش فايدة المصريين", "",
			"وش فايدة الحكومة اذا ما تسوي شي"},
		{"a harm named to be rejected", Negation,
			"الحل الوحيد للأكراد هو الحوار لا القتل، وهذا اللي لازم تفهمه الحكومة", "لا القتل", "negated",
			"الحل مع الشيعة القتل لا الحوار"},
		{"a faith's houses of worship to be destroyed", IncitementCue,
			"كنائسهم يجب أن تُهدم، ولا يُسمح لهم ببناء حجر واحد", "كنائسهم يجب أن تُهدم", "worship",
			"الكنيسة القديمة يجب أن تُرمم"},
		{"a people said to bring chaos, in the next sentence", Vilification,
			"وصلت دفعة جديدة من السوريين إلى عمارتنا. إنهم يجلبون معهم الفوضى والقذارة", "يجلبون معهم الفوضى", "",
			"المهاجرون يجلبون معهم ثقافات جديدة وأطباق لذيذة"},
		{"a harm to a people to be stopped", Negation,
			"يجب وقف ترحيل اللاجئين السوريين", "وقف ترحيل", "negated",
			"يجب ترحيل كل الأفغان فورا"},
		{"a people's exile demanded", IncitementCue,
			"المثليون يجب نفيهم من البلاد", "المثليون يجب نفيهم", "",
			"يجب نفي الفساد من الدوائر"},
		{"a people's extermination, duty first", IncitementCue,
			"الروافض لا بد من إبادتهم", "إبادتهم", "",
			"لا بد من وقف تهجير المسيحيين"},
		{"the stateless called untrustworthy", Vilification,
			"البدون ما لهم أمان", "البدون ما لهم أمان", "",
			"البدون لهم حقوق وعايشين بيننا من زمان"},
		{"a people to be helped", Esteem,
			"لازم نساعد اللاجئين السوريين بالشتاء", "لازم نساعد اللاجئين", "",
			"حقوق المثليين مو موضوعنا"},
		{"a truce extended", Reconciliation,
			"العطوة تمددت شهر، نتمنى يكون الحل بالجلسة الجاية وتنطفي النار بين الاهل", "العطوة تمددت", "",
			"اذا ما تنطفي الحرب راح نحرگ بيوتكم"},
		{"a people hated, the hatred after them", Contempt,
			"الروافض والله ما اطيقهم", "الروافض والله ما اطيقهم", "",
			"جيراني السوريين ما اطيقهم لان صوتهم عالي"},
		{"a family watched and warned about", ThreatCue,
			"شفت مرتك الصبح توصل الجهال للروضة. دير بالك عليهم زين، الشوارع مو امان", "مرتك", "family watched",
			"شفت مرتك الصبح توصل الجهال للروضة، الله يحفظهم"},
		{"a grave booked for the reader", ThreatCue,
			"احجز مكانك بوادي السلام من هسه", "احجز مكانك بوادي السلام", "grave",
			"حجزنا مكان بوادي السلام لجدي الله يرحمه"},
		{"a people's segregation called a duty", IncitementCue,
			"يجب عزل الأفغان في معسكرات بعيدة عن المدن", "يجب عزل الأفغان", "duty",
			"يجب عزل المحافظ الفاسد ومحاسبته"},
		{"none of a people to be found honest", Vilification,
			"لن تجد لاجئا صادقا مهما بحثت", "تجد لاجئا صادقا", "none of them",
			"لن تجد طبيبا امينا في هذا المستشفى"},
		{"a people promised suffering", ThreatCue,
			"سأحرص على أن يعاني كل مسيحي في هذه المدينة", "سأحرص على أن يعاني كل مسيحي", "made to suffer",
			"سأحرص على أن يتعلم كل طالب في هذه المدينة"},
		{"good promised to a people", Esteem,
			"راح نخلي النازحين يرجعون لبيوتهم قبل الشتاء", "راح نخلي النازحين يرجعون لبيوتهم", "good promised",
			"راح نخلي النازحين يندمون على اليوم اللي جو بيه"},
		{"a people made to regret", ThreatCue,
			"راح اخلي الشيعة يندمون على اليوم اللي جو بيه", "راح اخلي الشيعة يندمون", "made to suffer",
			"ما راح اخلي اي لاجئ يعاني بالشتاء"},
		{"a people met, then damned with and they", Vilification,
			"قابلت الكثير من المهاجرين وهم جميعا حثالة", "المهاجرين وهم جميعا حثالة", "",
			"زرت المهاجرين بالمخيم وهم جميعا طيبين"},
		{"neighbours of a people, and all of them filth", Dehumanisation,
			"عندي جيران من السود وكلهم أوساخ", "السود وكلهم أوساخ", "",
			"عندي جيران من السود وكلهم ذهب"},
		{"a kinswoman threatened with slaughter", ThreatCue,
			"اختي اذا بعد اشوفها تحچي ويا ذاك الولد اذبحها بيدي", "اذبحها", "kinswoman",
			"بنتي طلبت خروف للعيد، راح اذبحه الصبح"},
		{"a people praised further on", Esteem,
			"الايزيدية اللي رجعوا لسنجار يزرعون التين ويفتحون صفوف بالخيم. صبرهم درس لكل العراقيين", "صبرهم", "praised",
			"الايزيدية كلهم خونة. صبرهم درس بالغدر"},
		{"stop, or we stop you", ThreatCue,
			"احنا مو مال مزح. وگف الكتابة او نوگفك احنا، وانت تختار", "وگف الكتابة او نوگفك", "or we act on you",
			"ابعد عن هالاشكال ولا نهايتك بتكون مثله، وگف الكتابة شوية وارتاح"},
		{"love of a people denied", Contempt,
			"انا ما أحب السود ولا عمري راح احبهم", "ما أحب السود", "not احب",
			"ما احب اتكلم عن الشيعة بالسوء، همه اهلنا"},
		{"a people sent to hell", Contempt,
			"فليذهب الأكراد إلى الجحيم، شعب لا يستحق", "الأكراد إلى الجحيم", "",
			"الحكومة الفاسدة الى الجحيم، ما قدمت شي"},
		{"death called a people's due", IncitementCue,
			"الملحد مرتد، وجزاؤه القتل، ولا يجوز التهاون في ذلك", "جزاؤه القتل", "deserve death",
			"حكمت المحكمة على القاتل بالاعدام شنقا"},
		{"back off and all stays well", ThreatCue,
			"بطل تكتب عن الفصيل وكلشي يبقى بخير", "بطل تكتب", "or else",
			"نام زين وكلشي يبقى بخير ان شاء الله"},
		{"recordings to be published unless paid", Blackmail,
			"لدينا تسجيلات صوتية لك تخص عملك في الدائرة، ستُنشر جميعها ما لم يُحوَّل المبلغ المتفق عليه قبل نهاية الأسبوع", "تسجيلات", "",
			"عندك يومين تسلم الواجب للاستاذ"},
		{"a raid on a people's houses", ThreatCue,
			"جمعوا شباب المحلة، ليلة العاشر نمر على بيوت الوهابية بيت بيت", "نمر على بيوت الوهابية", "violence",
			"ليلة العيد نمر على بيوت الاهل بيت بيت نعايد"},
		{"none of a people left alive", ThreatCue,
			"لن نترك يهودياً واحداً يتنفس على هذه الأرض", "لن نترك يهودياً واحداً يتنفس", "alive",
			"لن نترك مريضا واحدا بلا علاج"},
		{"not one of a people to trust", Vilification,
			"ولا شيعي واحد ينوثق فيه، لا تتعب نفسك تدوّر", "ولا شيعي واحد ينوثق فيه", "none of them",
			"لا شيعي ولا سني، كلنا عراقيين"},
		{"a people addressed and told they will be thrown out", ThreatCue,
			"حطوها حلقة باذانكم يا سوريين: الشارع هذا لنا، وبنطردكم منه بالعصي", "بنطردكم", "doomed",
			"بنطردكم من المطعم اذا ما تدفعون الحساب يا شباب 😂"},
		{"thrown from a height", IncitementCue,
			"الشاذ المفروض يرمونه من فوق عمارة، هذا حكمه", "يرمونه من فوق", "height",
			"الزبالة المفروض يرمونها بالحاوية مو بالشارع"},
		{"a dispute left to the judge", LawfulRecourse,
			"ماكو شي اسمه دم بدم بعد اليوم، دمنا غالي ودمهم غالي والقاضي يحكم", "القاضي يحكم", "",
			"القاضي حكم عليه بالاعدام امس"},
		{"coded arson beside a people", Insinuation,
			"المولات اللي فتحوها الاكراد بشارعنا، ليلة وحدة وشوية نفط وكلشي يخلص", "الاكراد", "",
			"المولات اللي فتحوها بشارعنا، البنزين غالي والنفط رخيص"},
		{"a coded cure rejected", CondemnedQuote,
			"اخر الطب الكي؟ لا يا خويه، الطب عدالة وقضاء مع النازحين", "لا يا خويه", "asked back",
			"النازحين اخر الطب الكي وخلصنا"},
		{"you are last on the list", ThreatCue,
			"مصادرك راح تنكشف واحد واحد، وانت اخر واحد بالقائمة", "انت اخر واحد بالقائمة", "list",
			"انت اخر واحد بقائمة الانتظار بالعيادة"},
		{"just asking, of a people", Insinuation,
			"هل يستطيع أحد أن يفسر لي لماذا تنتشر المخدرات حيث يسكن الأفغان؟ لا أتهم أحداً، أتساءل فقط", "الأفغان", "",
			"هل يستطيع أحد أن يفسر لي لماذا تنقطع الكهرباء كل يوم؟ أتساءل فقط"},
		{"a people called the greatest danger", Vilification,
			"اللاجئون هم أكبر خطر على هوية هذا البلد", "اللاجئون هم أكبر خطر", "",
			"التدخين اكبر خطر على الصحة"},
		{"the only good one is gone", Vilification,
			"المسيحي الطيب هو اللي هاجر، اللي بقى اكيد عنده مصلحة", "المسيحي الطيب هو اللي هاجر", "",
			"المعلم الطيب هو اللي يصبر على طلابه"},
		{"a people's killing called cleansing, for the country", IncitementCue,
			"قتل الشيعة تطهير للبلد", "قتل الشيعة تطهير", "duty",
			"المقاومة حق، والواجب الاستعداد لهم"},
		{"most of a people damned", Vilification,
			"السوريين معظمهم حرامية", "السوريين معظمهم حرامية", "",
			"السوريين بعضهم حرامية مثل اي شعب"},
		// The reading the models read (nlp.ReadArabiziWords) is scanned
		// too, as a post in Arabic letters: يجب قتل اليهود; a denial or
		// a quote condemned there holds the words of harm back.
		{"arabizi: a killing demanded, read word by word", IncitementCue,
			"yjb gatl el-yahood", "gatl el-yahood", "",
			"el 7al el wa7eed howa el 7iwar"},
		{"arabizi: hatred denied, read word by word", Negation,
			"la akrah el shi3a abadan", "la akrah", "",
			"akrah el shi3a"},
		{"arabizi: th is ذ as often as ث", ThreatCue,
			"sonathba7 el masee7iyyeen wa7id wa7id", "sonathba7", "",
			"el masee7iyyeen ahlna wa7id wa7id"},
		{"a saying confirmed by experience is adopted", Endorsement,
			"جدي گال «لا تأمن للكردي لو صلى»، والايام اثبتت", "والايام اثبتت", "adopted",
			"جدي گال «لا تأمن للكردي لو صلى»، بس الايام اثبتت العكس"},
		{"distrust of the type: one of a people with the article", Contempt,
			"لا تثق بالشيعي حتى لو حلفلك بالعباس", "لا تثق بالشيعي", "لا تثق",
			"لا تثق بالشيعي اللي باعك السيارة، نصاب"},
		{"taken out of the world", ThreatCue,
			"يا مقدم البرنامج، الحلقة تنحذف لو نمسحك من الدنيا", "نمسحك من الدنيا", "taken out of the world",
			"الحلقة تنحذف من القناة، ونمسحها من الدنيا الافتراضية كلها"},
		{"sent back to his mother maimed", ThreatCue,
			"والله اذا شفتك بالمنطقة ارجعك لامك بلا سنون", "ارجعك لامك بلا سنون", "maimed",
			"جدتي رجعت من طبيب الاسنان بلا سنون 😂"},
		{"brought back in coffins", ThreatCue,
			"يا صحفيين، ارجعوا لبيوتكم قبل لا ترجعون بتوابيت", "ترجعون بتوابيت", "body returned",
			"الحجاج يرجعون من مكة بالسلامة ان شاء الله"},
		{"the price paid in the reader's blood", ThreatCue,
			"يا ابو زهراء، كل منشور كتبته عن المولدات راح تدفع ثمنه بدمك", "ثمنه بدمك", "paid in blood",
			"الوطن دفعنا ثمنه بدمنا بالحرب، ولا نريد حرب ثانية"},
		{"a blood declared lawful, with مباح", ThreatCue,
			"بيان من الديوان: اي واحد من بيت حمودي نلگاه بالسوق دمه مباح", "دمه مباح", "lawful",
			"الاكل بالديوان مباح للكل والضيف على راسنا"},
		{"the reader's family told to prepare the mourning", ThreatCue,
			"يا صاحب البودكاست، گول لاهلك يجهزون العزاء", "لاهلك يجهزون العزاء", "funeral",
			"اهلك يجهزون العزاء لجدك؟ الله يرحمه ويصبركم"},
		{"a bullet that costs less than the reader", ThreatCue,
			"يا ناشط، الطلقة ما تكلف غير ربع دينار وانت ارخص منها", "الطلقة ما تكلف", "bullet",
			"سعر الطلقة صعد بالسوق بعد القرار الجديد"},
		{"a first-person burial aimed at the reader", ThreatCue,
			"والله لو تهرب لاخر الدنيا الگاك وادفنك بمكانك", "ادفنك", "bury",
			"نروح ندفنه بوادي السلام بعد صلاة الظهر، الله يرحمه"},
		{"a message passed on to a person is no report of a page", Condemnation,
			"هاي الصفحة تنشر الكراهية، بلغوا عنها", "بلغوا", "",
			"بلغوا صاحب المولدة: المرة الجاية نحرق المولدة فوگ راسه"},
		{"the participle of writing before a noun with the article is the writer", Quotation,
			"كاتب بالبوست ان الشيعة كلهم مجوس، عيب عليه", "كاتب", "",
			"كاتب العمود اللي يسب الفصائل، گول لاهلك يجهزون العزاء"},
		{"the Kurds written with و", Vilification,
			"الكورد كلهم خونة وتاريخهم معروف", "الكورد كلهم خونة", "",
			"الكورد مو خونة، اهلنا وشركاءنا"},
		{"a sect called Baathists", Vilification,
			"السنة كلهم بعثية بالقلب", "السنة كلهم بعثية", "",
			"البعثية حكموا العراق خمس وثلاثين سنة"},
		{"a massacre called a day of glory", IncitementCue,
			"سبايكر چانت يوم عز والله يكثرها", "سبايكر", "again",
			"سبايكر جرح ما يطيب، الله يرحم الشهداء"},
		{"arabizi: a people called parasites", Dehumanisation,
			"ahl el mu5ayyamat 6ufayliyyeen 3ala el dawla wallah", "6ufayliyyeen", "طفيلي",
			"ma9ra3 el 7usain ma y7mil dhanbah ghair el qatala"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigs := d.Signals(&ingest.Post{Text: tc.text}, nlp.Normalize(tc.text))
			s, ok := find(sigs, tc.signal)
			if !ok {
				t.Fatalf("%s not found in %q: %+v", tc.signal, tc.text, sigs)
			}
			if s.Start < 0 || s.End > len(tc.text) || s.Start >= s.End {
				t.Fatalf("span [%d,%d) outside %q", s.Start, s.End, tc.text)
			}
			if ev := tc.text[s.Start:s.End]; !strings.Contains(ev, tc.cue) {
				t.Errorf("evidence %q (% x) lacks %q", ev, ev, tc.cue)
			}
			if !strings.Contains(s.Detail, tc.detail) {
				t.Errorf("detail %q lacks %q", s.Detail, tc.detail)
			}
			if twin := d.Signals(&ingest.Post{Text: tc.twin}, ""); slices.ContainsFunc(twin, func(s policy.Signal) bool { return s.Name == tc.signal }) {
				t.Errorf("twin %q fires %s: %+v", tc.twin, tc.signal, twin)
			}
		})
	}
}

// TestArabiziWordReadingQuotes checks which report the word-by-word reading
// of an Arabizi post may add: one before the words of harm (someone wrote
// that …, and it is racist) is a quote condemned; a word read by ear as a
// verb of saying after them (yakul, eats, read يقول) is not.
func TestArabiziWordReadingQuotes(t *testing.T) {
	d := detector(t)
	quoted := "kataba a7adhum 2an el shi3a 7ayawanat, w hatha kalam 3un9uri marfoodh"
	sigs := d.Signals(&ingest.Post{Text: quoted}, "")
	for _, want := range []string{Dehumanisation, Quotation, CondemnedQuote} {
		if _, ok := find(sigs, want); !ok {
			t.Errorf("%q: no %s in %+v", quoted, want, sigs)
		}
	}
	eats := "el masee7iyyeen kuffar w 3abadat 9aleeb, el wa7id la yakul min idhum"
	sigs = d.Signals(&ingest.Post{Text: eats}, "")
	if _, ok := find(sigs, Vilification); !ok {
		t.Errorf("%q: no %s in %+v", eats, Vilification, sigs)
	}
	if _, ok := find(sigs, Quotation); ok {
		t.Errorf("%q: yakul (eats) after the charge read as a report: %+v", eats, sigs)
	}
}

// TestReportAfterThreat checks that a reporting verb well after a threat
// (the writer threatens, then tells what was said to her before) reports
// none of it, and that prison shrugged off after it rejects no harm.
func TestReportAfterThreat(t *testing.T) {
	d := detector(t)
	own := "والله اذبحها واغسل عاري بيدي وما يهمني لا سجن ولا اعدام. گلتلها الف مرة وامي گالتلها"
	sigs := d.Signals(&ingest.Post{Text: own}, "")
	if _, ok := find(sigs, ThreatCue); !ok {
		t.Errorf("%q: no threat in %+v", own, sigs)
	}
	if _, ok := find(sigs, Quotation); ok {
		t.Errorf("%q: a report after the threat taken as quoting it: %+v", own, sigs)
	}
	if _, ok := find(sigs, Negation); ok {
		t.Errorf("%q: prison shrugged off read as a harm rejected: %+v", own, sigs)
	}
}

// TestSignalFoundOrNot checks single posts whose reading turns on one
// word: each must or must not hold the signal, for the reason given.
func TestSignalFoundOrNot(t *testing.T) {
	d := detector(t)
	for _, tc := range []struct {
		text, signal string
		want         bool
		why          string
	}{
		{"قال الشيخ: والله اذبحها واغسل عاري", Quotation, true, "the report before the threat"},
		{"بحسب ما أراه، وجود الشيعة قنبلة موقوتة", Quotation, false, "the writer's own view is no report"},
		{"انا ضد قتل المدنيين بس الروافض يستحقون الموت", Negation, false, "a harm rejected before a call to harm denies no call"},
		{"هذا مو قتل هذا تطهير", Negation, false, "a killing called cleansing is no harm rejected"},
		{"الملحد مرتد، وجزاؤه القتل، ولا يجوز التهاون في ذلك", Negation, false, "leniency denied denies no claim"},
		{"لا رحمة مع الروافض، كلهم خونة", Negation, false, "mercy denied denies no claim"},
		{"لا يجوز قتل المدنيين", Negation, true, "a killing that may not be done"},
		{"الصحفي اللي يكتب عن الاستملاكات بالمدينة القديمة", Quotation, false, "who writes about a subject quotes nothing"},
		{"اي وحدة تطلع بالليل بدون اذن اهلها تستاهل الضرب", Doxxing, false, "the family of no one named"},
		{"نعرف بيته وين", Doxxing, false, "the home of no one named"},
		{"علي الساعدي نعرف بيته وين", Doxxing, true, "a named man's home"},
		{"ما اعرف بيتك ولا اريد اعرفه، خلافنا على فلوس", Doxxing, false, "a home the writer denies knowing"},
		{"سواء كان حي أو ميت أو جماد أو نبات", ThreatCue, false, "a list of alternatives is no bounty"},
		{"قريت ان المسيحيين يحبون اسرائيل… مو كلهم طبعاً، بس اغلبهم", Negation, false, "not all, but most: the generalisation hedged"},
		{"مو كلهم نفس الشي، لا تعممون على المسيحيين", Negation, true, "not all of them, and no but"},
		{"هذولي عبدة شيطان وما يجوز ناكل من ايدهم", Negation, false, "contact forbidden denies no claim"},
		{"لا يجوز لهم يصوتون بالانتخابات", Negation, false, "a right forbidden to them denies no claim"},
		{"لا يجوز التعميم على الايزيدية", Negation, true, "a generalisation that may not be made"},
		{"لازم يطردون السوريين من المنطقة", IncitementCue, true, "others told to expel a people"},
		{"لازم يقتلون الدواعش بالصحراء", IncitementCue, false, "the killers named no people"},
		{"ما لازم يطردون السوريين", IncitementCue, false, "an expulsion denied"},
		{"السوريين بأربيل حرامية", Vilification, true, "a people damned where they live"},
		{"السوريين بصراحة اجتهدوا بالشغل", Vilification, false, "no charge after the place"},
		{"حرگتي شعري بالبروتين وتگولين طبيعي؟ والله لأرش عليچ تيزاب", Quotation, false, "you say asked back, then the writer's own threat"},
		{"حرگتي شعري بالبروتين وتگولين طبيعي؟ والله لأرش عليچ تيزاب", ThreatCue, true, "acid on the reader"},
		{"تگولين الشعر يطيح بالبروتين؟ هذا كلام ما يصح", Quotation, true, "you say asked back, nothing after it"},
		{"عندك ٤٨ ساعة تحذف المنشور والا القناة تتسكر، ولا تگول ما گالولي", Quotation, false, "don't say you weren't warned ends the threat"},
		{"عندك ٤٨ ساعة تحذف المنشور والا القناة تتسكر، ولا تگول ما گالولي", ThreatCue, true, "don't say you weren't warned"},
		{"مثل ما يگول المثل: الكردي لو صار ذهب لا تعلگه برگبتك", Endorsement, true, "a proverb cited as the writer's own wisdom"},
		{"المثل اللي يگول الكردي لو صار ذهب لا تعلگه مثل عنصري", Endorsement, false, "a proverb quoted to condemn it"},
		{"بيت سلمان اللي يقرب على الارض يتحمّل دمه", ThreatCue, true, "his blood on his own head"},
		{"عشيرة آل خليوي تعلن البراءة من ابنها وتحلّل دمه", ThreatCue, true, "a blood declared lawful"},
		{"احنا ما نمسها، بس خلّي تسأل عن اللي كتبوا قبلها", ThreatCue, true, "we touch no one, but"},
		{"احنا ما نمسها ولا نقبل احد يمسها، الصحفية بنتنا", ThreatCue, false, "we touch no one, and no but"},
		{"يا اخوان، نسيت ما نريد نكسر ولا نحرق، نريد نوصل صوتنا بالتحرير", Protest, true, "a protest that pledges non-violence"},
		{"والله اذا شفتك بالمنطقة اخنقك بايدي", ThreatCue, true, "a first-person strangling aimed at the reader"},
		{"ما نمسك بس الصغار، نريد الحيتان الكبار تنحاسب", ThreatCue, false, "we don't catch only the small ones: نمسك is to catch, no touching"},
		{"يا علني يا قبلة الروح ما اعدمك", ThreatCue, false, "may I never lose you"},
		{"باچر نسحقكم بالملعب يا جماعة الزوراء", ThreatCue, false, "the terraces crush in jest"},
	} {
		if _, got := find(d.Signals(&ingest.Post{Text: tc.text}, ""), tc.signal); got != tc.want {
			t.Errorf("%q: %s found %v, want %v (%s)", tc.text, tc.signal, got, tc.want, tc.why)
		}
	}
}

// A doubled w in Arabizi is a consonant و of the word's root: «n9awwitla»
// (we vote for him) read with 9 as ق has the skeleton of نقتله (we kill
// him) once the و is dropped, and must not read as a threat, while a threat
// whose cue has the و («nsawwilak 7adith», we'll stage you an accident)
// still does, and one with a single w is still read by its skeleton.
func TestDoubledWKeepsItsConsonant(t *testing.T) {
	d := detector(t)
	for _, tc := range []struct {
		text   string
		threat bool
	}{
		{"el intikhabat el jaya ma n9awwitla, 5alli yrou7 😒", false},
		{"el intikhabat el jaya kulna n9awwitla, huwa el a7san 👍", false},
		{"ya mahdi lo ma tiskut raa7 nsawwilak 7adith sayyara", true},
		{"ya mahdi lo ma tiskut raa7 ni9tila, mafhoum?", true},
	} {
		sigs := d.Signals(&ingest.Post{Text: tc.text}, nlp.Normalize(tc.text))
		if _, got := find(sigs, ThreatCue); got != tc.threat {
			t.Errorf("%q: threat cue %v, want %v (%+v)", tc.text, got, tc.threat, sigs)
		}
	}
}

// TestSkeletonTableIsStable: the Arabizi table is the same however the cue
// map is walked, and a role whose Arabic spelling takes the article keeps
// it by skeleton: «el sa7afiya elli …» is the journalist who …, not "to a
// journalist", on every start (before, the two spellings shared a skeleton
// and whichever the map gave first won, so the signal came and went).
func TestSkeletonTableIsStable(t *testing.T) {
	d := detector(t)
	first := skeletonTable(d.t, d.fw)
	for range 5 {
		if again := skeletonTable(d.t, d.fw); !reflect.DeepEqual(first, again) {
			t.Fatal("the skeleton table differs between two builds of the same cues")
		}
	}
	text := "el sa7afiya elli haddadooha bil qatil ba3ad ta9reeriha, e7na wiyyaha. 'nijeech lil bait' ma t5awwifna"
	for range 5 {
		sigs := d.Signals(&ingest.Post{Text: text}, nlp.Normalize(text))
		if _, ok := find(sigs, DefenderTargeted); !ok {
			t.Fatalf("%q: no defender_targeted (%+v)", text, sigs)
		}
	}
}

func TestNormalisedArgumentMayBeEmpty(t *testing.T) {
	d := detector(t)
	text := "الناشط علي الحسيني نعرف وين تسكن"
	a := d.Signals(&ingest.Post{Text: text}, "")
	b := d.Signals(&ingest.Post{Text: text}, nlp.Normalize(text))
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("with and without the normalised text:\n%+v\n%+v", a, b)
	}
	// A caller's text that is not the normaliser's is read again.
	c := d.Signals(&ingest.Post{Text: text}, "something else entirely")
	if len(c) != 0 && !slices.Equal(a, c) {
		t.Fatalf("foreign normalised text gave %+v", c)
	}
	if got := d.Signals(&ingest.Post{}, ""); got != nil {
		t.Fatalf("empty post: %+v", got)
	}
	if got := d.Signals(nil, ""); got != nil {
		t.Fatalf("nil post: %+v", got)
	}
}

func TestDisabled(t *testing.T) {
	text := "الصحفي كرار الموسوي نعرف بيتك، الوزير فاشل 😂"
	all := SignalNamesOf(detector(t).Signals(&ingest.Post{Text: text}, ""))
	for _, want := range []string{NamedPerson, DefenderTargeted, Doxxing, CriticismOfficial, Satire} {
		if !slices.Contains(all, want) {
			t.Fatalf("signals %v lack %s", all, want)
		}
	}
	got := SignalNamesOf(detector(t, NamedPerson, Satire).Signals(&ingest.Post{Text: text}, ""))
	for _, off := range []string{NamedPerson, DefenderTargeted, Satire} {
		if slices.Contains(got, off) {
			t.Errorf("disabled %s still reported: %v", off, got)
		}
	}
	if !slices.Contains(got, Doxxing) || !slices.Contains(got, CriticismOfficial) {
		t.Errorf("other signals lost: %v", got)
	}
	if _, err := New(Options{Disabled: []string{"named-person"}}); err == nil || !strings.Contains(err.Error(), `"named-person"`) {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestDefinitions(t *testing.T) {
	names := Names()
	if len(names) != 30 || !Known(Insinuation) || !Known(Esteem) || !Known(LawfulRecourse) || !Known(Reconciliation) || !Known(Figurative) || !Known(Exclusion) || !Known(Contempt) || !Known(Vilification) || !Known(Dehumanisation) || !Known(SevereAbuse) || !Known(Endorsement) || !Known(Devotional) || !Known(Sports) || !Known(CondemnedQuote) || !Known(ThreatCue) || !Known(IncitementCue) || !Known(TerrorismCue) || !Known(Doxxing) || !Known(Advert) || Known("threat") {
		t.Fatalf("names = %v", names)
	}
	for _, d := range Definitions() {
		if d.Meaning == "" || d.Evidence == "" {
			t.Errorf("%s has no definition", d.Name)
		}
	}
}

func TestCueFilesLoad(t *testing.T) {
	tb, err := loadTable()
	if err != nil {
		t.Fatal(err)
	}
	if len(tb) < 1000 {
		t.Fatalf("only %d cue keys", len(tb))
	}
	bad := table{}
	if err := bad.load("x.tsv", []byte("# header\nفاشل\tcritic\n")); err == nil || !strings.Contains(err.Error(), "x.tsv:2") {
		t.Fatalf("short line: %v", err)
	}
	if err := bad.load("x.tsv", []byte("فاشل\tnosuch\t-\n")); err == nil || !strings.Contains(err.Error(), `unknown class "nosuch"`) {
		t.Fatalf("bad class: %v", err)
	}
}

// SignalNamesOf returns the distinct names of sigs.
func SignalNamesOf(sigs []policy.Signal) []string { return policy.SignalNames(sigs) }

// TestSignalTwins: each signal fires on every post of fires, with its
// evidence inside the post, and on none of its twins in spares.
func TestSignalTwins(t *testing.T) {
	d := detector(t)
	for _, tc := range []struct {
		name   string
		signal string
		fires  []string
		spares []string
	}{
		// job, sale and rent adverts are recognised; "wanted" said of a person to be punished, or a
		// threat with a price on a head, is not one.
		{"Advert", Advert, []string{
			"مطلوب سائق لشركة نقل بالديوانية، راتب زين",
			"فرصة عمل: مطلوب محاسبة بخبرة سنتين، للتواصل واتساب",
			"شقة للايجار بالمنصور، السعر ٥٠٠ الف دينار",
		}, []string{
			"مطلوب راس فلان حي او ميت، واللي يجيبه اله مكافأة",
			"هذا الخاين مطلوب للعشيرة، دمه مهدور",
			"الراتب ما نزل ثلث اشهر، الحكومة فاشلة",
		}},
		// a sexual or honour slur, urging someone to kill themselves, or a call to pile on is severe
		// abuse; an ordinary insult, a prohibition ("don't curse him") or a first-person complaint
		// is not.
		{"SevereAbuse", SevereAbuse, []string{
			"@noor_b انتي عاهرة وكل البصرة تعرف",
			"@ali_k99 ليش ما تنتحر وتريحنا؟ محد يحتاجك",
			"يا مصطفى الساعدي روح انتحر احسنلك",
			"شباب هذا حساب @zainab_art ادخلوا على حسابها وبهدلوها",
			"@haidar_q اقتل نفسك يا فاشل",
		}, []string{
			"@ali_k99 ولك انت حيوان لو شنو؟ كل تعليق تكتبه غبي",
			"@basra_boy22 اسكت يا جاهل يا ثور، ما تفهم بالكورة شي",
			"لا تسبوه يا جماعة، الرجال غلط واعتذر",
			"اذا خسرنا الليلة والله انتحر 😂",
			"ميزانية المحافظة وين راحت؟",
			"لا تقتل نفسك بالشغل، ارتاح شوية",
			"احقر ناس، مافي عاهره من بلدي",
		}},
		// the writer's denial of their own hatred or of a charge they could make, in the dialects
		// and in MSA, is negation; the same denial taken back by a "but" is not.
		{"DenialOfHatred", Negation, []string{
			"ما عندي اي كره للتركمان، احبهم واحب اكلاتهم",
			"لن أقول إن الأكراد خونة، فهذا ظلم لشعب كامل",
			"لم أقل يوماً إن الملحد يستحق القتل",
			"ولا أحمل ضغينة لأي طائفة",
			"ماكو بنية تستاهل الضرب لان طلعت تشتغل",
			"هذا الولد ما يستاهل السحل، يستاهل محاكمة عادلة",
		}, []string{
			"هاي البنية تستاهل الضرب لان طلعت تشتغل",
			"لا أقول شيئاً… لكن لاحظوا من يملك البنوك، والعاقل يفهم",
			"ما عندي كره للكرد بس هم ناكرين جميل",
			"لما قلنا الكرد ناكرين جميل محد صدگ",
			"كما أقول دائماً، المسيحيين ما الهم حق هنا",
			"الاكراد ناكرين جميل",
		}},
		// a group's rights affirmed is the unity side of condemnation; the same rights denied, or
		// affirmed and then taken back, are not.
		{"RightsAffirmed", Condemnation, []string{
			"المسيحيين الهم حق يصوتون ويترشحون، هذا البلد بلدهم",
			"اطفال اللاجئين بالمخيمات من حقهم يدرسون ويكملون",
			"المثليون جزء من هذا المجتمع، ويستحقون العيش بكرامة",
		}, []string{
			"المسيحيين ما الهم حق يصوتون ولا يترشحون، هذا البلد مو بلدهم",
			"الاقليات ليس لهم حق في المناصب",
			"النازحين الهم حق يسكنون بس مو بمنطقتنا، خلي يرجعون لمخيماتهم",
		}},
		// a people called vermin, disease, filth or beasts; not the same words of something else,
		// nor denied, nor a disease had.
		{"Dehumanisation", Dehumanisation, []string{
			"التركمان عث، يخربون كل شي يلمسوه",
			"هالنازحين حشرات خيمة تجيب خيمة",
			"الايزيدية كلهم طاعون، ابعدوا عن قراهم",
			"اليهود كالحشرات تتكاثر في الظلام",
			"النصارى دول كلاب",
		}, []string{
			"الكرد مو حشرات، هذولي اهلنا",
			"النساء المصابات بسرطان الثدي يحتاجن دعم",
			"هاي السنة زبالة من اولها لآخرها",
			"حملة رش الحشرات بحي النازحين باچر",
			"الحكومة كلاب وحرامية",
		}},
		// saying that people deserve a harm no court gives is a call to harm; the same denied, or a
		// court's punishment, is not.
		{"DeservesHarm", IncitementCue, []string{
			"المرة اللي ترفع صوتها على رجلها تستاهل الكف",
			"عوائل داعش ياخذون المساعدات واحنا ما ناكل، يستاهلون الجوع",
			"البنية اللي تنزل صورها تستاهل اللي يجرالها",
		}, []string{
			"ما تستاهل الضرب، هاي بنية صغيرة وغلطت",
			"محد يستاهل الموت على راي كتبه",
			"ماكو وحدة تستاهل الضرب، اللي يمد ايده على مرة مو رجال",
			"ولا واحد يستاهل الحرق مهما سوى",
			"الفاسدين يستاهلون السجن ويرجعون الفلوس",
			"الدنيا ما تستاهل ❤️ سامحوا بعض",
		}},
		// a people damned as impure, bastards or traitors; not denied, not politicians called traitors.
		{"Vilification", Vilification, []string{
			"الصابئة نجسين لا تشربون من مايهم",
			"الرافضة اولاد زنا، هذا مو سب هذا واقع",
			"الكرد كلهم خونة وعملاء",
		}, []string{
			"الكرد مو خونة، هذولي اهلنا",
			"السياسيين خونة وحرامية",
			"الخونة اللي باعوا الموصل لازم يتحاسبون",
			"حكام العرب كفار وعملاء",
			"لا فرق بين همجية دواعش الشيعة ودواعش السنة",
		}},
		// the writer's hatred, contempt or disgust for a people, or a curse on them, in the dialects
		// and in MSA, is contempt; the same denied, aimed at those who hate, narrowed by a relative
		// clause, or a look-alike word (بكره, tomorrow), is not.
		{"Contempt", Contempt, []string{
			"والله اكره الشيعة من كل قلبي",
			"أمقت النصارى وأحتقر كل ما يمثلونه",
			"الله يلعن الكرد وابو الكرد",
			"اللهم عليك باليهود فانهم لا يعجزونك",
			"المثليين احتقرهم ولا اخجل",
			"المثليون أبغض خلق الله إلى قلبي",
			"كراهيتي لليهود تزداد يوماً بعد يوم",
			"المعاقون يثيرون اشمئزازي",
			"صراحة ما اطيق السوريين، ملوا البلد",
			"ana akrah el shi3a min kil galbi",
		}, []string{
			"ma akrah el shi3a, kilna 3iraqiyeen",
			"akrah el zal6a wel 7ar",
			"انا ما اكره الشيعة، ولا اكره اي احد",
			"لا أكره اليهود ولا غيرهم",
			"اكره اللي يكره المسيحيين",
			"اكره النساء اللي يدخنن بالسيارة",
			"بكره نروح للسوق مع السوريين",
			"الله يلعن اللي يسب السنة",
			"اكره الطائفية والعنصرية ضد الكرد",
			"من قتل الحسين من الشيعة، فلعنة الله عليهم",
			"الشيعه. الله يلعن الظالم",
		}},
		// a people denied a civic right, assigned a place or wished away is exclusion; the right
		// affirmed, a claim to land, one woman pointed at, a narrowed group, or a wish about their
		// feelings is not.
		{"Exclusion", Exclusion, []string{
			"النسوان ما الهن حق يصوتن ولا يترشحن",
			"الحرمة ما الها حق تسوق",
			"المرة مكانها البيت والمطبخ",
			"اطردوا السوريين من البلد",
			"برا من بلادنا يا سوريين",
			"البدو مكانهم البر مو الوزارات",
			"اللاجئين لازم يرجعون لبلدهم",
			"أليس المثليون مجرد مرضى يجب عزلهم عن المجتمع؟",
			"في نظري، المعاقين يجب الا يسمح لهم بالزواج",
			"ما نريد سوريين بديرتنا",
			"ما نريد عراقيين بحينا",
		}, []string{
			"ما نريد سوريين",
			"النازحين اللي سرقوا لازم نطردهم من المخيم",
			"اللاجئين ما لازم نطردهم، هذولي ضيوف",
			"الكرد لا يسمح لهم بالدخول بدون تصريح",
			"المسيحيين الهم حق يصوتون مثلنا",
			"الكرد ما الهم حق بكركوك",
			"هاي المرة مكانها البيت مو الشغل",
			"البنت اللي تدرس بعيد مكانها البيت",
			"الكرد ما نريدهم يزعلون",
			"اكو بيت للبيع مكانه زين",
			"سائق مطلوب، ممنوع التدخين",
		}},
		// a wish to see a people's blood, or their blood declared lawful, is a call to harm.
		{"BloodWished", IncitementCue, []string{
			"اخوان اريد اشوف دم الرافضة بالشوارع",
			"الرافضة دمهم حلال",
		}, []string{
			"ما نريد نشوف دم العراقيين بعد",
			"حملة تبرع بالدم للجرحى",
			"دم الشيعة والسنة واحد",
		}},
		// a verb of violence done to a thing or an abstraction is a figure of speech; done to people,
		// with an object pronoun, or to a thing that stands for people (الحشرات), it is not.
		{"Figurative", Figurative, []string{
			"اليوم لازم نحرق السعرات، الجيم الساعة ستة",
			"نكسر الروتين ونطلع سفرة للشمال",
			"اقتلوا الملل بالقراءة، هاي قائمة كتب حلوة",
			"لازم نقضي على البطالة قبل ما تقضي علينا",
			"الفريق ذبح الخصم بخماسية",
		}, []string{
			"اليوم لازم نحرق الكاكائية",
			"اقتلوا الحشرات اللي ملت البلد",
			"نحرقهم اذا رجعوا",
			"حرقوا البيت على اهله",
		}},
		// a dispute taken to the courts, a lawyer or the police is lawful recourse; the law denied,
		// or scorned in a threat, is not.
		{"LawfulRecourse", LawfulRecourse, []string{
			"هاي اخر مرة اطلبك بالطيب، بعدها اروح للمحكمة وارفع عليك دعوى",
			"اذا ما ترجع الموبايل، الشكوى جاهزة بمركز الشرطة",
			"ما اريد مشاكل، اسلم الموضوع للمحامي",
		}, []string{
			"ما اروح للمحكمة، احنا نعرف شلون ناخذ حقنا",
			"لا تبلغ الشرطة والا تندم",
			"المحكمة ما تحميك منا",
		}},
		// a harm done to a people called a duty, justice or no crime is a call to harm; called
		// a crime, denied, or a harm reported, it is not.
		{"HarmCalledDuty", IncitementCue, []string{
			"هدم مساجد الإسماعيليين واجب ديني، ومن فعله مأجور.",
			"رمي المثليين من أعلى البنايات ليس جريمة، بل هو العدل",
			"الشيعة قتلهم واجب",
			"من الواجب طرد السوريين من البلد",
		}, []string{
			"قتل الايزيديين جريمة وليس جهاد",
			"قتل الشيعة ليس جهادا بل جريمة",
			"هولاء يستعدون لقتل ابناء المسلمين والواجب الاستعداد لهم",
			"ذكرى ابادة الايزيديين في سنجار، رحم الله الشهداء",
			"تهجير المسيحيين من الموصل جريمة ضد الانسانية",
		}},
		// a slur that names a people damns them wherever it stands; denied or mentioned as
		// what others call them, it does not.
		{"SlurName", Vilification, []string{
			"ولاد المتعة يحچون عن الشرف",
			"عبدة الصليب ما يستاهلون",
			"لا توظفوا المنغوليين، ما يفهمون شي",
		}, []string{
			"الايزيدية مو عبدة الشيطان، هذا ظلم",
			"عيب نقول عليهم عبدة الشيطان، الايزيدية اهلنا",
			"انا خضيري وافتخر، وجدي بنى نص بيوت الفريج بيده",
		}},
		// a phrase of place between a people and what they are called does not hide it; a
		// pretext, a verb or a relative clause between does.
		{"PeopleLocated", Vilification, []string{
			"أهل السنة في هذه البلاد متطرفون بالفطرة",
			"الكرد بالموصل خونة",
		}, []string{
			"إيران تحارب أهل السنة بذريعة أنهم أرهابيين",
			"النازحين يعانون من حكومة فاسدة وسراق",
			"النازحين في المخيمات اللي بالشمال حرامية",
		}},
		// the tropes said of a whole people (control of the media, breeding, stolen jobs,
		// loyalty abroad) vilify them; said of no people, they do not.
		{"Tropes", Vilification, []string{
			"اليهود يسيطرون على الاعلام والبنوك",
			"الشيعة ولاؤهم لايران مو للعراق",
			"اللاجئين يتكاثرون كالارانب",
		}, []string{
			"الشركات الكبيرة يسيطرون على الاعلام",
			"الموظفين بلا ولاء للشركة",
		}},
		// a call to deny a people work, housing, marriage or trade is exclusion; the same call
		// about no people is not.
		{"CallToExclude", Exclusion, []string{
			"لا تشغلون السوريين بمحلاتكم",
			"لا تأجروا للنازحين، خلوهم بالمخيم",
			"قاطعوا محلات الاكراد",
		}, []string{
			"لا تخلون الجهال يلعبون بالشارع",
			"قاطعوا المنتجات الغالية",
		}},
		// woman in the singular, damned in the feminine, is women damned; one woman pointed
		// at, or narrowed by a relative clause, is not.
		{"WomanDamned", Vilification, []string{
			"المرة ناقصة عقل ودين",
			"المرة عقلها بأذنها، لا تاخذ برايها",
		}, []string{
			"هاي المرة كذابة",
			"المرة اللي شفتها امس كذابة",
			"المرأة مو ناقصة عقل",
		}},
		// a people named in one sentence and called vermin through "these" or "they" in the
		// next; "these terrorists" points at some, and a denial denies.
		{"PronounReference", Dehumanisation, []string{
			"رأيت اللاجئين في السوق اليوم. هؤلاء حشرات لا أكثر",
			"جونا نازحين جدد للحي، بس هذولا جراثيم والله",
		}, []string{
			"شفت الشيعة بالزيارة. هؤلاء الحشرات اللي بالجامع ما نظفوها",
			"النازحين رجعوا. هم مو حشرات",
		}},
		// a people word misspelt as evasion writes it (two letters swapped, one dropped) is
		// the people; a misspelt word that is another word is not.
		{"MisspeltPeople", Vilification, []string{
			"الهيود أخبث خلق الله وأكثرهم مكرًا",
			"النوسان ناقصات عقل ودين، لا تشاورهم بشي",
			"المسحيين كفار",
		}, []string{
			"اليود مفيد للغدة الدرقية",
			"النوسان بالسوق اليوم هواية",
		}},
		// a first-person verb of destruction and a thing of the reader's is a threat; denied,
		// an idiom (hearts, self) or another verb after و, it is not.
		{"ThreatRuin", ThreatCue, []string{
			"سنحرق بيوتكم واحدا واحدا",
			"بنهدم بيتك على راسك",
		}, []string{
			"ما راح نهدم بيتك",
			"هدف بالدقيقة ٩٠ راح نحرق قلوبكم",
			"أهدم نفسك عشان تبني مستقبلك",
			"يا نتصدر يا نخرب ونشكك في نزاهة الدوري",
		}},
		// a first-person verb of killing whose object is a people is a threat; denied, or
		// its object a thing, it is not.
		{"ThreatPeople", ThreatCue, []string{
			"سنقتل كل اليهود في هذه المدينة واحدا واحدا",
			"سوف نذبح الروافض في بيوتهم قريبا",
			"هالمرة نكمل الشغل ونبيد الشيعة كلهم",
		}, []string{
			"لن نقتل المسيحيين، هم اهلنا",
			"ما راح نذبح الكرد مثل ما سوت داعش",
			"نذبح الخروف بالعيد ونوزعه على الجيران",
			"قتل المسيحيين بالموصل جريمة",
		}},
		// one of a people after every, any or the first stands for them all: killed, shot
		// or stabbed in the first person it is a threat; without the quantifier, or the
		// verb denied, or an animal shot, it is not.
		{"ThreatOneOfAPeople", ThreatCue, []string{
			"سأقتل أي يهودي أراه",
			"سأطلق النار على أول لاجئ أراه في الشارع",
			"سأطعن كل مثلي يقترب مني",
			"سأحرق بيوت اليهود",
		}, []string{
			"لن أقتل أي يهودي، القتل حرام",
			"سأطلق النار على أول غزال أراه في رحلة الصيد",
			"سأضرب أي طالب يغش في الامتحان",
			"اول مرة اشوف مسيحي يصوم رمضان",
			"ما راح نحرق بيوت المسيحيين",
		}},
		// a people's killing demanded: a word of duty at once before the harm, or before
		// a verb of killing with nothing after it; stopped, or the people the ones who
		// kill, it is not.
		{"KillingDemanded", IncitementCue, []string{
			"يجب قتل اليهود جميعا",
			"الشيعة يجب قتلهم",
			"المثليين يجب أن يعدموا",
			"قتل اللاجئين هو الصواب",
			"الكرد لازم ينقتلون",
		}, []string{
			"يجب وقف قتل المدنيين الشيعة في سوريا",
			"الشيعة لازم يقتلون الدواعش اللي احتلوا مدنهم",
			"المجرمين يجب أن يعدموا",
			"الحكومة يجب أن تعدم الفاسدين",
		}},
		// a noun in the singular damns one of a people after every or any; a vice said to
		// be all a people know or bring damns them; praise, or the vice of a few, does not.
		{"VilifyOneAndVice", Vilification, []string{
			"كل يهودي خائن",
			"كل سوري حرامي",
			"أي مثلي هو مريض نفسي",
			"اللاجئون لا يجلبون إلا الجريمة",
			"المصريين ما يعرفون غير الفهلوة",
		}, []string{
			"كل عراقي كريم",
			"كل مسيحي اخونا",
			"الحكومة ما جابت الا الخراب",
			"عدد من النازحين ما عندهم غير المساعدات",
			"يهودي خائن باع اسرار الدولة",
		}},
		// a people named and a slur left for the reader to finish is insinuation; the
		// same words with no people named, or a people with no insinuation, are not.
		{"Insinuation", Insinuation, []string{
			"لا يغرك ضحكته، مصري 😏 تعرف الباقي",
			"عيّنوا واحد معاق مدير قسم، الحين عرفنا ليش المعاملات ما تخلص 🙃",
			"ارتفعت السرقات في الحي منذ وصول العائلات المهاجرة... مجرد صدفة طبعا",
			"فتحنا بيوتنا للنازحين وهمه طعنونا بالظهر، هذي طبيعتهم كلهم",
		}, []string{
			"المدير الجديد تأخر ساعة، تعرف الباقي 😂",
			"جاري سوري وعزمني على الغدا اليوم",
			"بنت خالتي تخرجت، تعرف الباقي: حفلة وكيك",
		}},
		// a word of hate spelt by its sound (ص for س, ت for ث) or with a letter doubled
		// by a slip is read as the word; a word of the language that sounds like one, a
		// doubled letter of the cue written once, or two kinds of slip at once are not.
		{"SoundAlikeVilify", Vilification, []string{
			"الشيعة اوصخ ناس",
			"الصابئة نجسيين",
		}, []string{
			"الفرص قليلة بالبلد والشباب بلا شغل",
			"اوصخ شي بالدنيا الكذب",
		}},
		{"SoundAlikeThreat", ThreatCue, []string{
			"سندبحكم واحد واحد",
		}, []string{
			"ما راح نحرك ذرة تراب من ارضنا",
			"نصححلك الغلط باچر",
		}},
		// a people addressed and told of their doom is a threat; the doom told to no
		// people, or a people named but not addressed, is not.
		{"PeopleAddressedDoomed", ThreatCue, []string{
			"انتظروا يا شيعة، ساعتكم قربت",
			"أيها الملحدون، نهايتكم قربت",
			"إلى كل لاجئ في المخيم الشمالي: لن تعودوا سالمين إلى خيامكم",
			"يا تركمان تلعفر، بعد الانتخابات نتحاسب وياكم، وما يحميكم احد",
			"رسالة إلى نصارى هذه المدينة: كنيستكم لن تبقى قائمة حتى العيد",
		}, []string{
			"يا لاجئين، الوضع لن يعود إلى ما كان قبل الحرب",
			"رسالة إلى اللاجئين: المساعدات لن تبقى قائمة بعد الشهر القادم",
			"ساعتكم قربت يا شباب، الامتحان باچر",
			"يا جماعة جايكم الدور بالطابور",
			"قرأت عن تاريخ الشيعة: نهايتكم قربت كانت عنوان رواية",
		}},
		// a killing for "honour" excused, or honour said to be washed only in blood, is a
		// call to harm; the excuse condemned, or honour named with no excuse, is not.
		{"HonourKillingExcused", IncitementCue, []string{
			"البنية اللي تنگتل بسبب الشرف هي السبب، لو ضامة روحها چان ما صار شي، لا تلومون اهلها",
			"العار ما ينغسل الا بالدم",
		}, []string{
			"اللي يبرر القتل بحجة الشرف مجرم، والبنت ضحية",
			"القبض على شاب متهم بقتل شقيقته بدعوى غسل العار",
			"لا تلومون اهلها، البنت اختارت تدرس برة وهم فرحانين بيها",
		}},
		// women confined to the house or kept from study or work.
		{"WomenConfined", Exclusion, []string{
			"البنت اذا خلصت سادس اعدادي بيتها اولى بيها",
			"لا تدزون بناتكم للكليات يا جماعة",
		}, []string{
			"بنت خالتي تخرجت وبيتها اولى بيها من الغربة",
			"ما اگول لا تدزون بناتكم للجامعة، بس انتبهوا عليهن",
		}},
		// a people named, then damned through «but they» or «these» after «you see».
		{"AnaphorAfterButOrSee", Vilification, []string{
			"سكن الإسماعيليون هذا الوادي منذ قرون. لكنهم طابور خامس ينتظر الفرصة",
			"جارنا جاب عمال نيباليين يبنون الملحق. ترى هذولا ما يستحون",
		}, []string{
			"سكن الإسماعيليون هذا الوادي منذ قرون. لكنهم رحلوا بعد الحرب",
		}},
		// a woman beaten called discipline is a call to harm; called a crime, or a killer's
		// death called lawful, it is not.
		{"WomanBeatenDiscipline", IncitementCue, []string{
			"ضرب المرة مو عنف، هاي تأديب",
		}, []string{
			"ضرب المرة جريمة وليس تأديب",
			"الواد اللي قتل البنت عشان رفضته لقوه مقتول كده حلال فيك القتل",
		}},
		// a veiled threat to life; "not every time" is no denial.
		{"VeiledThreat", ThreatCue, []string{
			"ايش ضامنك انو ترجع لبيتك كل يوم سالم؟",
			"قولولها تلم لسانها، ترى مو كل مرة يسلم الراس",
		}, []string{
			"ايش ضامنك انو الدوا اصلي؟",
		}},
		// one of a people with the article damned in the singular; not narrowed, denied,
		// an adjective of another noun, or named so by others.
		{"DefiniteOneDamned", Vilification, []string{
			"المصري نصاب لين يثبت العكس",
			"الكردي خاين بطبعه",
		}, []string{
			"المصري اللي بالدكان نصاب",
			"المصري مو نصاب",
			"اللاعب المصري حرامي كورة 😂",
			"اللي يسمي جاره السني داعشي يخدم الفتنة",
		}},
		// a proverb quoted is the writer's own authority: what follows it still counts.
		{"ProverbIsNoReport", Insinuation, []string{
			"المثل يگول «اتق شر من احسنت اليه»، فتحنا بيوتنا للنازحين وطعنونا بالظهر، هذي طبيعتهم",
		}, []string{
			"المثل يگول «اتق شر من احسنت اليه»، وجاري طعنني بالظهر",
		}},
		// women named by what they do damned as whores are women damned; other charges
		// against them are not read so, and a people word after them still names them.
		{"WomenByRoleDamned", Vilification, []string{
			"المتظاهرات كلهن شراميط",
			"الناشطات عاهرات السفارة",
		}, []string{
			"المتظاهرات خونة وعميلات",
			"الطالبات متفوقات هالسنة",
		}},
		{"WomenRoleThenPeople", Dehumanisation, []string{
			"الناشطات النسويات دود، ينخرن بالمجتمع",
		}, nil},
		// one of a people taken for them all, killed at once after him; not a victim mourned.
		{"OneOfAPeopleKilled", IncitementCue, []string{
			"كل يهودي يُقتل هو خطوة نحو عالم أنظف",
			"أي مثلي ينقتل يستاهل",
		}, []string{
			"كل مسيحي يقتل ظلما شهيد",
			"لن يقتل أي يهودي في هذه المدينة بعد اليوم",
		}},
		// a people named as a community, a sect or a component.
		{"PeopleAsCommunity", Vilification, []string{
			"المكون السني كلهم دواعش",
			"افتتحت الجالية المسيحية مدرسة جديدة. إنهم يريدون تنصير أطفالنا",
		}, []string{
			"ممثل المكون السني بالبرلمان طالب بالتعويضات",
		}},
		// a massacre called deserved, and a curse on a people's ruin.
		{"MassacreDeserved", IncitementCue, []string{
			"حلبجة كانت درساً مستحقاً للأكراد",
		}, []string{
			"حلبجة جريمة ولن تتكرر",
			"ذكرى حلبجة: لا نريد أن تتكرر المأساة",
		}},
		{"CurseOnAPeople", Contempt, []string{
			"يا رب اهلك الملاحدة",
			"حسبي الله على الصوفية، اللهم اقطع دابرهم",
		}, []string{
			"حسبي الله على الحكومة الفاسدة",
		}},
		// a people blamed for every ill, after or before the blame.
		{"PeopleBlamed", Vilification, []string{
			"الشيعة سبب البلاء بالبلد",
			"كل هالطلاق والمشاكل اللي صايرة سببها النسوان",
		}, []string{
			"الفساد سبب كل مصيبة بالعراق",
			"مو النسوان سبب المشاكل، الفقر هو السبب",
		}},
		// the charge said of a people denied is negation, whatever the charge.
		{"ChargeDenied", Negation, []string{
			"اليهود ليسوا حثالة",
			"المهاجرون ليسوا عالة على أحد",
		}, []string{
			"العراق للعراقيين مو للذيول",
		}},
		// the writer's contempt, curse or distrust before a people.
		{"ContemptBefore", Contempt, []string{
			"تبا للمثليين",
			"احتقاري لليهود لا حدود له",
			"لا شيء أحقر من الملحدين",
			"لن أثق باللاجئين ما حييت",
			"لا يمكن أبدا احترام النساء",
		}, []string{
			"تبا لهذا اليوم",
			"لا يمكن احترام من يسرق المال العام",
		}},
		// words of hate quoted back to be rejected are a condemned quote.
		{"QuoteRejected", CondemnedQuote, []string{
			"قولك إن السود حثالة كلام مقرف",
			"كتب أحدهم أن المهاجرين حيوانات، وهذا كلام عنصري مرفوض",
		}, []string{
			"السود حثالة وهذا رايي",
		}},
		// a noun that damns a people is read in every plural (ارهابيون، خائنات), after words
		// that say it is their nature; not of many of them, nor of those a relative
		// clause after the noun singles out.
		{"VilifyInflected", Vilification, []string{
			"المسلمون إرهابيون بالفطرة",
			"النساء بطبيعتهن خائنات",
			"المرأة بطبيعتها كاذبة ومتقلبة",
			"المهاجرون عالة على هذا البلد",
		}, []string{
			"عدد من المسلمين يسرقون تغريدات غيرهم",
			"المسلمين الدواعش المجرمين الذين يقطعون الرؤوس",
			"المسلمون ليسوا ارهابيين",
		}},
		// threats of regret, of not coming back alive, or of knocking at the door.
		{"ThreatRegret", ThreatCue, []string{
			"وسأجعلها تندم على اليوم الذي ولدت فيه",
			"من يخرج منكم بعد المغرب لن يعود سالمًا",
			"سنطرق أبوابكم واحدًا واحدًا، فاستعدوا",
			"سنطهر البلد منكم يا نصارى",
			"جهزوا أكفانكم يا روافض",
		}, []string{
			"ستدفعون الثمن في الانتخابات الجاية",
			"ستندم اذا ما اشتريت الكتاب",
			"رجع سالما من السفر الحمد لله",
		}},
		// a people spoken well of, as kin, neighbours or equals, is esteem; denied, said of
		// no people, or kinship that only brothers them to apes, it is not.
		{"Esteem", Esteem, []string{
			"الكاكائية اهلنا، رجعوا لقراهم بعد الترميم",
			"نحترم الصابئة المندائيين، عيدهم اليوم",
			"تحية للايزيدية اللي رجعوا لسنجار",
			"العمال البنغاليين ناس طيبين وشغلهم نظيف",
			"المسيحيين بالموصل اهلنا ونحبهم",
			"أحب اليهود وأحترمهم",
		}, []string{
			"الكرد مو اهلنا",
			"السود ماهم بشر مثلنا",
			"اهلنا بالبصرة طيبين",
			"اليهود اخوة القردة والخنازير",
			"ما نحب الشيعة",
			"الشيعة كلهم طيبين بس لو تغمض عينك يذبحوك",
		}},
		// the settling of a feud is reconciliation; refused, scorned or a truce that may end, it is not.
		{"Reconciliation", Reconciliation, []string{
			"الحمد لله تم الصلح بين العشيرتين بالتراضي",
			"شيوخ العشيرتين اجتمعوا بالمضيف وقبلوا الاعتذار",
			"بعد الدم اللي صار، الشيوخ اجتمعوا وانتهى الخلاف",
		}, []string{
			"ماكو صلح، والدكة الجاية على بيوتكم",
			"لا تصدگون بالمصالحة، خلصوا منهم",
			"ثلاث ايام عطوة وبعدها الحساب",
		}},
		// a terrorist organisation named and praised, after or before its name, is a terrorism cue;
		// denied, the state or the rule (الدولة، القاعدة alone), or a people's own state praised, is not.
		{"TerrorPraised", TerrorismCue, []string{
			"داعش على الاقل طبقوا الشريعة صح، مب مثل حكوماتنا",
			"خلي يحچون عن داعش شما يريدون، بزمانهم محد جان يسرق",
			"الله يرجع ايام داعش",
			"تنظيم القاعدة أعاد للأمة عزتها",
		}, []string{
			"داعش ما طبقوا الشريعة، كذابين",
			"القاعدة صحيحة: كل واحد يحترم نفسه",
			"الدولة لازم تطبق القانون على الكل",
			"يعيش العراق حرا",
			"الله يرحم ايام زمان",
			"الله يحفظ الدكتور البغدادي",
			"داعش ليسوا على الحق",
		}},
		// saying in Iraqi that people need a harm (ينرادلهم حرگ), or calling for a suicide attack
		// among them, is a call to harm; needing a thing, or a bombing reported, is not.
		{"NeedsHarm", IncitementCue, []string{
			"هذول ينرادلهم ذبح، ما يجي منهم خير",
			"rabbi in9urna 3alehum, w elli yigdar yfajjir nafsa bihum la yit2a55ar",
			"الخونة ينرادلهم رصاصة",
		}, []string{
			"السيارة ينرادلها تصليح",
			"واحد فجر نفسه بالسوق امس، الله يرحم الضحايا",
			"ما ينرادله ذبح، ينرادله محكمة",
		}},
		// a plural imperative of harm that a people follows is a call to harm; aimed at a thing, or
		// the people not after it, it is not.
		{"HarmCalledOnAPeople", IncitementCue, []string{
			"اقتلوا الروافض",
			"اذبحوا كل النصارى",
			"إذا رأيتم مثلياً في الشارع فاضربوه حتى يتعلم",
		}, []string{
			"اقتلوا الفراغ بالقراءة",
			"احرقوا السعرات قبل العيد",
			"اقتلوا الطائفية قبل ما تقتلنا",
		}},
		// a people called vermin or damned, also by a denial of their humanity or a criminal or
		// vile generalisation; not a part of them (بعض), nor denied before (لم يكن), nor across a
		// full stop.
		{"VilificationMore", Vilification, []string{
			"المصريين شعب حرامية ونصابين",
			"الملحدون أحقر من عرفت في حياتي",
			"ذوو الإعاقة عالة على المجتمع",
			"الكرد، عملاء وخونة",
			"el kurd khawana w 3umala2",
		}, []string{
			"بعض الكرد حرامية مثل كل الناس",
			"لم يكن اللاجئون الفلسطينيون عالة على أحد",
			"حكومتنا المحسوبة على الشيعه. سراق البلد",
			"مو كل الشيعة حرامية",
			"السياسيين الشيعة حرامية",
		}},
		{"DenialOfHumanity", Dehumanisation, []string{
			"المعاقين مب بشر كاملين",
			"الكرد مو بشر",
		}, []string{
			"الكرد بشر مثلنا ولهم حقوق",
			"احنا مو بشر اذا سكتنا على الظلم",
		}},
		// a first-person verb of maiming, in any dialect's future (سن، بن، هن، حا), and a body part
		// of the reader's is a threat; a cut in a price, a shortage, is not.
		{"Maiming", ThreatCue, []string{
			"أيها الملحد، إن كتبتَ حرفاً آخر فسنقطع لسانك",
			"والله بنكسر راسك اذا شفتك",
			"هنفقع عينك يا واد",
			"سنقتلكم جميعاً",
		}, []string{
			"البنك ساقطع منه الف دولار",
			"نقص الدواء بالمستشفيات كارثة",
			"انكسر راسي من الصداع",
		}},
		// "you say … ?" reports the reader's words; without the question it is "as if" or "you
		// look"; a frame of several words reports in a joke too, a joke's own verb and a
		// retweet do not.
		{"AskedBack", Quotation, []string{
			"@user_2024 تكول البنت مكانها البيت؟ امي ربت اربعة وحدها",
			"اللي بيقولوا الست مكانها المطبخ: جرب تطبخ انت 😂",
		}, []string{
			"تكولين بعدك صغيرة، كبرتي والله",
			"سألوه ليش تأخرت گال الزحمة 😂",
			"RT @user: اشمتو يا جماعة 😂",
		}},
		// a verb of condemnation denied (لا اخجل) condemns nothing.
		{"CondemnationDenied", Condemnation, []string{
			"نرفض هذا الكلام الطائفي",
			"اخجلوا من انفسكم",
		}, []string{
			"ولا أخجل من قول ذلك علناً",
			"لا نرفض الحوار مع احد",
		}},
		// a massacre named and wished again is a call to harm; remembered, or said never to happen
		// again, it is not.
		{"MassacreWishedAgain", IncitementCue, []string{
			"الكرد اذا ردتوا ترتاحون منهم، كيمياوي مرة ثانية وخلصت القصة",
			"حلبجة ثانية هو اللي يستاهلوه",
			"سويناها مرة بـ ٢٠٠٦ ونگدر نسويها مرة ثانية، الجماعة فاهمين",
			"التركمان اذا ما يسكتون، آمرلي مرة ثانية وخلصنا منهم",
		}, []string{
			"اللي صار بـ ٢٠٠٦ ما لازم يصير مرة ثانية",
			"حلبجة لن تتكرر، الرحمة للشهداء",
			"ذكرى حلبجة، ٥ الاف شهيد بثانية وحدة",
			"الرواتب تأخرت مرة ثانية 🙃",
			"ما نريد حلبجة ثانية ولا انفال ثانية",
		}},
		// a terrorist organisation's suicide units named as its own, or its dead blessed, is its
		// recruitment; news of an attack and a call to mobilise for a protest are not.
		{"SuicideUnits", TerrorismCue, []string{
			"فتح باب التسجيل بكتيبة الاستشهاديين، راسلونا على الخاص",
			"اللهم تقبل اخوتنا الانغماسيين في جنات النعيم",
		}, []string{
			"انغماسي يهاجم سيطرة امنية امس، والقوات الامنية تقتل المهاجم",
			"النفير النفير يا شباب، الوقفة السلمية باچر گدام المحافظة",
		}},
		// a terrorist organisation's suicide units named as its own, or its dead blessed, is its
		// recruitment; news of an attack and a call to mobilise for a protest are not.
		{"PeacefulProtest", Protest, []string{"الرواتب انگطعت، تعالوا للوقفة السلمية گدام المحافظة"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkFires(t, d, tc.signal, tc.fires, tc.spares) })
	}
}

// checkFires checks that signal name fires on every post of fires, with
// its evidence inside the post, and on none of spares.
func checkFires(t *testing.T, d *Detector, name string, fires, spares []string) {
	t.Helper()
	has := func(text string) bool {
		for _, s := range d.Signals(&ingest.Post{Text: text}, "") {
			if s.Name == name {
				if s.Start < 0 || s.End > len(text) || s.Start >= s.End {
					t.Errorf("%q: %s evidence [%d,%d) outside the post", text, name, s.Start, s.End)
				}
				return true
			}
		}
		return false
	}
	for _, text := range fires {
		if !has(text) {
			t.Errorf("no %s in %q", name, text)
		}
	}
	for _, text := range spares {
		if has(text) {
			t.Errorf("%s found in %q", name, text)
		}
	}
}

// TestDevotional checks that a post made of devotional formulas alone is
// devotional, with its evidence over the formulas, and that the same
// formulas beside any other word (praise of an attack, a call, a name, a
// hashtag) are not.
func TestDevotional(t *testing.T) {
	d, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	find := func(text string) *policy.Signal {
		for _, s := range d.Signals(&ingest.Post{Text: text}, nlp.Normalize(text)) {
			if s.Name == Devotional {
				return &s
			}
		}
		return nil
	}
	for _, tc := range []struct{ text, evidence string }{
		{"سبحان الله ، الحمدلله ، لا إله إلا الله ، الله اكبر .", "سبحان الله ، الحمدلله ، لا إله إلا الله ، الله اكبر"},
		{"اللهم صلِّ على محمد وآل محمد 🤲", "اللهم صلِّ على محمد وآل محمد"},
		{"استغفر الله العظيم واتوب اليه", "استغفر الله العظيم واتوب اليه"},
		{"لا اله الا الله محمد رسول الله", "لا اله الا الله محمد رسول الله"},
		{"اللــه أكبـــر", "اللــه أكبـــر"},
		{"امين يارب", "امين يارب"},
	} {
		s := find(tc.text)
		if s == nil {
			t.Errorf("%q: not devotional", tc.text)
			continue
		}
		if got := tc.text[s.Start:s.End]; got != tc.evidence {
			t.Errorf("%q: evidence %q, want %q", tc.text, got, tc.evidence)
		}
	}
	for _, text := range []string{
		"الله اكبر الله اكبر، بارك الله باسود الخلافة",
		"الله اكبر على الكفار",
		"باقية وتتمدد الله اكبر",
		"اللهم صل على محمد، واللهم عليك بالروافض",
		"#الدولة_الاسلامية الله اكبر",
		"سبحان",
		"",
	} {
		if s := find(text); s != nil {
			t.Errorf("%q: devotional (%s)", text, s.Detail)
		}
	}
}

// TestKnownDefenders checks that a person on the deployment's list is a
// defender when a post names them without saying who they are, by name or
// by @handle, that others are not, and that bad lists are refused with the
// line at fault.
func TestKnownDefenders(t *testing.T) {
	list, err := ReadDefenders(strings.NewReader("# comment\nactivist\tنورس الربيعي\njournalist\t@Hawraa_Writes\n\n"))
	if err != nil || len(list) != 2 {
		t.Fatalf("ReadDefenders = %+v, %v", list, err)
	}
	d, err := New(Options{Defenders: list})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, role string
	}{
		{"نورس الربيعي عندك ٢٤ ساعة تطلع من البصرة، بعدها لا تلوم الا نفسك", "activist"},
		{"والله يا نورس الربيعي نعرف وين تسكن", "activist"},
		{"@hawraa_writes احسبي ايامج", "journalist"},
		{"حيدر الربيعي عندك ٢٤ ساعة تطلع من البصرة", ""},
		{"نورس حلو اليوم والربيعي جاي", ""},
	} {
		sigs := d.Signals(&ingest.Post{Text: tc.text}, "")
		s, ok := find(sigs, DefenderTargeted)
		switch {
		case tc.role == "" && ok:
			t.Errorf("%q: defender_targeted %+v", tc.text, s)
		case tc.role != "" && (!ok || !strings.Contains(s.Detail, tc.role)):
			t.Errorf("%q: want defender_targeted as %s, got %+v", tc.text, tc.role, sigs)
		}
	}
	// Without the list the same post names a person, no defender.
	if sigs := detector(t).Signals(&ingest.Post{Text: "نورس الربيعي عندك ٢٤ ساعة"}, ""); slices.ContainsFunc(sigs, func(s policy.Signal) bool { return s.Name == DefenderTargeted }) {
		t.Errorf("defender without a list: %+v", sigs)
	}
	for in, want := range map[string]string{
		"activist نورس الربيعي\n": "line 1: want a role, a tab",
		"poet\tنورس الربيعي\n":    `line 1: role "poet"`,
		"# x\nactivist\tنورس\n":   "line 2: name",
		"journalist\t@\n":         "line 1: neither a name nor a handle",
	} {
		if _, err := ReadDefenders(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadDefenders(%q) = %v, want %q", in, err, want)
		}
	}
	if _, err := New(Options{Defenders: []KnownDefender{{Name: "نورس الربيعي", Role: "poet"}}}); err == nil {
		t.Error("New accepted a known defender with an unknown role")
	}
}

// TestEvidenceSpansTheParts checks that a signal fired by cues together
// (a home and the knowing of it, private media and the demand over it)
// shows them all as its evidence, and a part too far off is left out.
func TestEvidenceSpansTheParts(t *testing.T) {
	d, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, text, evidence string }{
		{Doxxing, "@ali_reporter نعرف بيتك وين", "نعرف بيتك"},
		{Doxxing, "شايفينك كل يوم الصبح، وشايفين سيارتك", "شايفينك كل يوم الصبح، وشايفين سيارتك"},
		{Blackmail, "عندي صورك، اذا ما تدفعين مليون راح انشرها", "صورك، اذا ما تدفعين مليون راح انشرها"},
		{Blackmail, "صورك عندي واحد واحد من ايام الجامعة والرحلة والعرس والخطوبة والتخرج كلها محفوظة بالتلفون القديم مالتي، راح انشرها اذا ما تدفعين", "صورك"},
	} {
		var got *policy.Signal
		for _, s := range d.Signals(&ingest.Post{Text: tc.text}, nlp.Normalize(tc.text)) {
			if s.Name == tc.name {
				got = &s
			}
		}
		if got == nil {
			t.Errorf("%q: no %s", tc.text, tc.name)
			continue
		}
		if ev := tc.text[got.Start:got.End]; ev != tc.evidence {
			t.Errorf("%q: %s evidence %q, want %q", tc.text, tc.name, ev, tc.evidence)
		}
	}
}

// TestNothingCarriesToTheNextPost checks that a cue waiting for another at
// the end of one post (a promise, a verb of hatred) is gone when the next
// post is read, in the same detector.
func TestNothingCarriesToTheNextPost(t *testing.T) {
	d := detector(t)
	for _, tc := range []struct{ first, next string }{
		{"سأحرص على أن", "صدقني والله كلامي اي لاجئ يعاني بالمخيمات من البرد"},
		{"والله اكره", "الشيعة والسنة اخوة بهالبلد"},
	} {
		for range 3 {
			d.Signals(&ingest.Post{Text: tc.first}, "")
			if sigs := d.Signals(&ingest.Post{Text: tc.next}, ""); len(sigs) > 0 {
				t.Errorf("%q after %q: %+v", tc.next, tc.first, sigs)
			}
		}
	}
}
