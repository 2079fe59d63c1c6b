package nlp

// Steps of the pipeline, in order. A step is recorded in Result.Steps only
// when it changed the text.
const (
	stepNone = iota
	stepRepair
	stepNFKC
	stepInvisible
	stepWhitespace
	stepDigits
	stepLowercase
	stepDiacritics
	stepTatweel
	stepAlef
	stepYeh
	stepTehMarbuta
	stepHamza
	stepIraqi
	stepPersian
	stepElongation
	stepRepeats
	stepHashtags
	stepJoined
	stepLookalikes
	stepArabizi
	stepArabiziPost
	stepKurdish
	numSteps
)

// stepNameList holds the names that Result.Steps uses, in pipeline order.
var stepNameList = [numSteps]string{
	stepNone:        "",
	stepRepair:      "utf8-repair",
	stepNFKC:        "nfkc",
	stepInvisible:   "invisible",
	stepWhitespace:  "whitespace",
	stepDigits:      "digits",
	stepLowercase:   "lowercase",
	stepDiacritics:  "diacritics",
	stepTatweel:     "tatweel",
	stepAlef:        "alef",
	stepYeh:         "alef-maqsura",
	stepTehMarbuta:  "teh-marbuta",
	stepHamza:       "hamza-carriers",
	stepIraqi:       "iraqi-letters",
	stepPersian:     "persian-forms",
	stepElongation:  "elongation",
	stepRepeats:     "repeats",
	stepHashtags:    "hashtags",
	stepJoined:      "joined-letters",
	stepLookalikes:  "lookalikes",
	stepArabizi:     "arabizi",
	stepArabiziPost: "arabizi-post",
	stepKurdish:     "kurdish",
}

func stepNames(mask uint32) []string {
	var out []string
	for i := 1; i < numSteps; i++ {
		if mask&(1<<i) != 0 {
			out = append(out, stepNameList[i])
		}
	}
	return out
}

// ScriptMix counts the words of a text by script.
type ScriptMix struct {
	// Arabic counts words in Arabic script (Kurdish words excluded).
	Arabic int `json:"arabic"`
	// Latin counts words in Latin script that were left as they are.
	Latin int `json:"latin"`
	// Arabizi counts Latin-script words transliterated from Arabizi.
	Arabizi int `json:"arabizi"`
	// Kurdish counts the words of a text recognised as Kurdish.
	Kurdish int `json:"kurdish"`
	// Other counts words in other scripts, numbers excluded.
	Other int `json:"other"`
}

// scriptMix counts the words seen while normalising.
func (st *state) scriptMix() ScriptMix {
	m := ScriptMix{Latin: int(st.counts[countLatin]), Other: int(st.counts[countOther])}
	if st.kurdish {
		m.Kurdish = int(st.counts[countAr])
	} else {
		m.Arabic = int(st.counts[countAr])
	}
	for _, w := range st.words {
		if w.mask&mArabizi != 0 {
			m.Arabizi++
			m.Latin--
		}
	}
	return m
}
