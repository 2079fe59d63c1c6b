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
	stepKurdish
	numSteps
)

// StepNames lists the names that Result.Steps uses, in pipeline order.
var StepNames = [numSteps]string{
	stepNone:       "",
	stepRepair:     "utf8-repair",
	stepNFKC:       "nfkc",
	stepInvisible:  "invisible",
	stepWhitespace: "whitespace",
	stepDigits:     "digits",
	stepLowercase:  "lowercase",
	stepDiacritics: "diacritics",
	stepTatweel:    "tatweel",
	stepAlef:       "alef",
	stepYeh:        "alef-maqsura",
	stepTehMarbuta: "teh-marbuta",
	stepHamza:      "hamza-carriers",
	stepIraqi:      "iraqi-letters",
	stepPersian:    "persian-forms",
	stepElongation: "elongation",
	stepRepeats:    "repeats",
	stepHashtags:   "hashtags",
	stepJoined:     "joined-letters",
	stepLookalikes: "lookalikes",
	stepArabizi:    "arabizi",
	stepKurdish:    "kurdish",
}

func stepNames(mask uint32) []string {
	var out []string
	for i := 1; i < numSteps; i++ {
		if mask&(1<<i) != 0 {
			out = append(out, StepNames[i])
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

// scriptMix counts the words recorded while normalising.
func (st *state) scriptMix() ScriptMix {
	var m ScriptMix
	for _, w := range st.words {
		switch {
		case w.mask&mArabizi != 0:
			m.Arabizi++
		case w.mask&mAr != 0 && st.kurdish:
			m.Kurdish++
		case w.mask&mAr != 0:
			m.Arabic++
		case w.mask&mLatin != 0:
			m.Latin++
		case w.mask&mOther != 0:
			m.Other++
		}
	}
	return m
}
