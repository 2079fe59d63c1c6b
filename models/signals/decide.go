package signals

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// defenderRoles are the roles whose targeting is a threat to civic space.
var defenderRoles = map[string]bool{"activist": true, "journalist": true, "defender": true, "protester": true}

// decide turns the cues found in sc into signals, in the order of Names.
func (d *Detector) decide(sc *scan) {
	h := &sc.hits
	// A home, family, car or route that the writer knows or watches.
	watched := h[cItem].n > 0 && (h[cKnow].n > 0 || h[cSchedule].n > 0)
	if h[cThreat].n == 0 && h[cVisit].n == 0 && h[cOrElse].n == 0 && !watched {
		// A bare given name after يا (يا جمال الجو، يا كريم), or a role
		// that opens the post, names someone only in the words of a
		// threat (ونبدا بيك يا احمد) or of doxxing.
		sc.persons = slices.DeleteFunc(sc.persons, func(p person) bool { return p.how == "addressed" || p.how == "opening" })
	}
	named := false
	for _, p := range sc.persons {
		if p.how != "group" {
			named = true
			break
		}
	}
	if watched && !named && sc.hisOrHers(h[cItem]) {
		// "اي وحدة تطلع بالليل بدون اذن اهلها": his or her home or
		// family, with no one named or addressed, is nobody's in
		// particular.
		watched = false
	}
	if !d.off[NamedPerson] {
		for _, p := range sc.persons {
			if p.how == "group" {
				continue
			}
			detail := ""
			switch {
			case p.how == "handle":
				detail = fmt.Sprintf("handle %q", sc.word(p.from))
			case p.role != "":
				detail = fmt.Sprintf("role %q", p.role)
			default:
				detail = p.how
			}
			sc.add(NamedPerson, p.from, p.to, detail)
		}
	}
	if !d.off[DefenderTargeted] {
		for _, p := range sc.persons {
			if !defenderRoles[p.role] {
				continue
			}
			detail := fmt.Sprintf("role %q", p.role)
			switch p.how {
			case "group":
				detail += " (group)"
			case "listed":
				detail += " (known defender)"
			}
			sc.add(DefenderTargeted, p.from, p.to, detail)
		}
	}
	if !d.off[DefenderTargeted] && (named || len(sc.described) > 0) && h[cWork].n > 0 {
		defender := false
		for _, p := range sc.persons {
			defender = defender || defenderRoles[p.role]
		}
		if !defender {
			// A person named, or pointed at by what they do (الدكتورة اللي
			// تسوي ندوات عن حقوق المعتقلين), threatened over their work.
			for _, p := range append(sc.persons, sc.described...) {
				if p.how != "group" {
					sc.add(DefenderTargeted, p.from, p.to, fmt.Sprintf("role %q (by their work)", h[cWork].detail))
					break
				}
			}
		}
	}
	if !d.off[Doxxing] {
		hasNamed := named && !d.off[NamedPerson]
		switch {
		case watched:
			sc.addParts(Doxxing, h[cItem].detail, h[cItem], h[cKnow], h[cSchedule])
		case sc.phone.n > 0 && (hasNamed || h[cNumRef].n > 0) && h[cContact].n == 0:
			sc.addHit(Doxxing, sc.phone, "phone number")
		case h[cAddress].n > 0 && hasNamed && h[cContact].n == 0:
			sc.addHit(Doxxing, h[cAddress], "address")
		}
	}
	if !d.off[ThreatCue] {
		switch {
		case h[cThreat].n > 0:
			sc.addHit(ThreatCue, h[cThreat], h[cThreat].detail)
		case h[cDoom].n > 0 && h[cAddressed].n > 0:
			// "يا شيعة، ساعتكم قربت", "إلى كل لاجئ: لن يبقى منكم احد": a
			// people addressed and told of their doom.
			sc.add(ThreatCue, min(h[cDoom].from, h[cAddressed].from), max(h[cDoom].to, h[cAddressed].to), "a people addressed and doomed")
		case h[cRepeat].n > 0 && h[cVisit].n > 0 && h[cRepeat].to <= h[cVisit].from:
			// "Do it once more and we come to you": a warning against
			// repeating something, then a visit.
			sc.add(ThreatCue, h[cRepeat].from, h[cVisit].to, "warned visit")
		case watched && h[cFamilyWarn].n > 0 && h[cItem].to <= h[cFamilyWarn].from && h[cFamilyWarn].from-h[cItem].to <= 25:
			// "شفت مرتك الصبح توصل الجهال للروضة. دير بالك عليهم، الشوارع
			// مو امان": a family watched, then a warning about it.
			sc.add(ThreatCue, h[cItem].from, h[cFamilyWarn].to, "your family watched")
		case h[cBackOff].n > 0 && h[cOrElse].n > 0 && h[cBackOff].to <= h[cOrElse].from && h[cOrElse].from-h[cBackOff].to <= 12:
			// "Stay away from the oil file, or else": a demand to back off
			// or be silent, then "or else".
			sc.add(ThreatCue, h[cBackOff].from, h[cOrElse].to, "or else")
		case h[cBackOff].n > 0:
			// "وگف الكتابة او نوگفك احنا", "امسح البوست لو نمسحك": a
			// demand to back off, then "or" and a first-person verb
			// aimed at the reader, within ten words.
			if k := sc.orWeYou(h[cBackOff].to, 10); k > 0 {
				sc.add(ThreatCue, h[cBackOff].from, k+1, "or we act on you")
			}
		}
	}
	if !d.off[IncitementCue] && h[cIncite].n == 0 && h[cExcuse].n > 0 && h[cHonour].n > 0 {
		// "البنية اللي تنگتل بسبب الشرف هي السبب، لا تلومون اهلها": a
		// killing for "honour" excused.
		sc.add(IncitementCue, min(h[cExcuse].from, h[cHonour].from), max(h[cExcuse].to, h[cHonour].to), "a killing for honour excused")
	}
	d.single(sc, IncitementCue, cIncite, "")
	d.single(sc, TerrorismCue, cJihad, "")
	d.single(sc, Dehumanisation, cDehumanise, "a people called ")
	d.single(sc, Vilification, cVilification, "a people called ")
	d.single(sc, Contempt, cContempt, "the writer's hatred of a people: ")
	d.single(sc, Exclusion, cExclusion, "a people excluded: ")
	d.single(sc, Insinuation, cInsinuation, "a slur on a people left for the reader: ")
	if !d.off[Blackmail] && h[cMedia].n > 0 {
		switch {
		case h[cExpose].n > 0 && (h[cDemand].n > 0 || h[cCondition].n > 0):
			sc.addParts(Blackmail, "threat to expose private media", h[cMedia], h[cExpose], h[cDemand], h[cCondition])
		case h[cDemand].n > 0 && h[cCondition].n > 0:
			sc.addParts(Blackmail, "demand over private media", h[cMedia], h[cDemand], h[cCondition])
		}
	}
	if !d.off[CriticismOfficial] {
		switch {
		case h[cPower].n > 0 && h[cCritic].n > 0:
			sc.addHit(CriticismOfficial, h[cPower], fmt.Sprintf("target %q", h[cPower].detail))
		case h[cCritique].n > 0:
			sc.addHit(CriticismOfficial, h[cCritique], "slogan")
		}
	}
	if !d.off[AntiCorruption] {
		switch {
		case h[cCorruption].n > 0:
			sc.addHit(AntiCorruption, h[cCorruption], "corruption claim")
		case h[cMoney].n > 0 && h[cWaste].n > 0:
			sc.addHit(AntiCorruption, h[cMoney], "public money gone nowhere")
		}
	}
	d.single(sc, Protest, cProtest, "")
	if !d.off[ReligiousDebate] {
		switch {
		case h[cTheology].n > 0:
			sc.addHit(ReligiousDebate, h[cTheology], "theology")
		case h[cDebate].n > 0 && h[cFaith].n > 0:
			sc.addHit(ReligiousDebate, h[cDebate], "argument about faith")
		}
	}
	d.single(sc, SevereAbuse, cAbuse, "")
	d.single(sc, Reconciliation, cReconcile, "")
	d.single(sc, LawfulRecourse, cLawful, "")
	if !d.off[Esteem] {
		// "الشيعة كلهم طيبين بس …": praise set up to be taken back.
		sc.addUnlessTakenBack(Esteem, hit{}, "", h[cEsteemed], "a people spoken well of: "+h[cEsteemed].detail)
		// "الايزيدية اللي رجعوا لسنجار … صبرهم درس لكل العراقيين": a
		// word of praise in a people's sentence, further from them, in a
		// post with no word of hatred, harm or blame and no "but" after
		// the praise.
		if h[cEsteemed].n == 0 && h[cPraised].n > 0 && sc.lastHarm.n == 0 && sc.lastContrast < h[cPraised].to && !sc.damns() {
			sc.addHit(Esteem, h[cPraised], "a people praised: "+h[cPraised].detail)
		}
	}
	d.single(sc, Figurative, cFigurative, "violence done to ")
	d.single(sc, Satire, cSatire, "")
	if !d.off[Advert] && h[cWanted].n > 0 && h[cJob].n > 0 {
		sc.addHit(Advert, h[cWanted], "advert")
	}
	if !d.off[Sports] && h[cSports].n > 0 {
		sc.addHit(Sports, h[cSports], "sport")
	}
	// Words quoted or reported and then adopted (صدگ اللي گال، هذا الحچي
	// الصحيح، عنده حق): the writer's own speech, not reported speech. A
	// post that also rejects, condemns or denies something is not read
	// as adopting what it quotes.
	endorsed := !d.off[Endorsement] && h[cEndorse].n > 0 && (sc.quote.n > 0 || h[cReport].n > 0) &&
		h[cReject].n == 0 && h[cCondemn].n == 0 && h[cNegate].n == 0
	if endorsed {
		sc.addHit(Endorsement, h[cEndorse], "quoted words adopted")
	}
	if !d.off[Quotation] && !endorsed {
		switch {
		case sc.quote.n > 0:
			sc.addHit(Quotation, sc.quote, "quotation marks")
		case h[cReport].n > 0 && (h[cSatire].n == 0 || h[cReport].to-h[cReport].from > 1 && sc.word(h[cReport].from) != "rt") && !sc.reportsAfterHarm(h[cReport]) && !sc.harmAfterAsked(h[cReport]) && !sc.withinHarm(h[cReport]):
			// "سألوه … گال … 😂": in a joke the reporting verb tells the
			// joke, it reports no one; a frame of several words (اللي
			// بيقولوا … 😂) still reports whom it names (not a retweet's
			// "RT @user", which passes the joke on).
			sc.addHit(Quotation, h[cReport], "reporting verb")
		}
	}
	if !d.off[Condemnation] {
		// "السنة كلهم اخوتنا" speaks for a group; "الشيعة كلهم طيبين بس …"
		// sets the praise up to take it back.
		sc.addUnlessTakenBack(Condemnation, h[cCondemn], "rejection", h[cUnity], "unity")
	}
	if !d.off[CondemnedQuote] && !d.off[Quotation] && !d.off[Condemnation] && !endorsed && h[cReject].n > 0 {
		// Words quoted or reported, and the writer's own rejection of
		// them outside the quotation marks: speech about speech.
		r, q := h[cReject], sc.quote
		switch {
		case q.n > 0 && q.to-q.from >= 4 && (r.to <= q.from && q.from-r.to <= 12 || r.from >= q.to && r.from-q.to <= 12) && !sc.harmOutside(q):
			// At least two quoted words, the rejection beside them, and no
			// words of harm the writer uses outside the marks.
			sc.add(CondemnedQuote, min(r.from, q.from), max(r.to, q.to), "quoted to condemn")
		case q.n == 0 && h[cReport].n > 0:
			q = h[cReport]
			sc.add(CondemnedQuote, min(r.from, q.from), max(r.to, q.to), "reported to condemn")
		case q.n == 0 && sc.askedBack(r):
			// "النساء لا يصلحن للقيادة؟ كلام فارغ": words asked back,
			// then rejected at once.
			sc.add(CondemnedQuote, 0, r.to, "asked back to condemn")
		}
	}
	if !d.off[Negation] {
		// "ما اكره الكرد" denies the writer's hatred; "ما اكره احد بس السنة
		// بطبعهم …" sets the denial up to take it back.
		negated := h[cNegate]
		// "يجب وقف ترحيل اللاجئين" rejects a harm; "انا ضد قتل المدنيين
		// بس الروافض يستحقون الموت" calls for one after it.
		// "هذا مو قتل هذا تطهير" calls it by another name, a duty.
		reframed := sc.lastDuty.n > 0 && sc.lastDuty.detail == "" && sc.lastDuty.from >= sc.harmRejected.to && sc.lastDuty.from-sc.harmRejected.to <= 4
		if r := sc.harmRejected; negated.n == 0 && r.n > 0 && !reframed && (sc.lastHarm.n == 0 || sc.lastHarm.to <= r.from) {
			negated = r
		}
		sc.addUnlessTakenBack(Negation, negated, "negated claim", h[cAvow], "the writer's denial")
	}
	if !d.off[Devotional] && sc.devoted > 0 && sc.devoted == sc.words() {
		// Every word of the post belongs to a devotional formula.
		sc.add(Devotional, h[cDevotion].from, sc.devotedTo, h[cDevotion].detail)
	}
}

// words counts the post's word tokens (not handles, numbers, quotation
// marks or emoji).
func (sc *scan) words() int {
	n := 0
	for _, t := range sc.toks {
		if t.kind == kWord {
			n++
		}
	}
	return n
}

// add records a signal over tokens [from, to).
func (sc *scan) add(name string, from, to int, detail string) {
	sc.found = append(sc.found, found{name: name, start: sc.toks[from].start, end: sc.toks[to-1].end, detail: detail})
}

func (sc *scan) addHit(name string, h hit, detail string) { sc.add(name, h.from, h.to, detail) }

// partsReach is how many words apart the parts of a signal's evidence may
// lie and still be shown as one span.
const partsReach = 12

// addParts records signal name with evidence that spans its main cue and
// the other cues it took (those found), where they lie within partsReach
// words of it: «نعرف ... بيتك», the knowing and the home, not the home
// alone.
func (sc *scan) addParts(name, detail string, main hit, others ...hit) {
	from, to := main.from, main.to
	for _, o := range others {
		if o.n == 0 || o.to <= main.from-partsReach || o.from >= main.to+partsReach {
			continue
		}
		from, to = min(from, o.from), max(to, o.to)
	}
	sc.add(name, from, to, detail)
}

// hisOrHers reports whether the last word of h ends with a pronoun of the
// third person (بيته، اهلها، سيارتهم), not "you".
func (sc *scan) hisOrHers(h hit) bool {
	if h.n == 0 || h.to == 0 {
		return false
	}
	// "وين ساكنة": where you live, asked of the reader.
	if sc.word(h.from) == "وين" {
		return false
	}
	w := sc.word(h.to - 1)
	return endsWithAny(w, thirdPronouns...)
}

// orWeYou returns the token of a first-person verb aimed at the reader (نوگفك،
// نسكتچ، سنمسحكم) right after "or" (او، لو، ولا، والا), where that "or"
// stands within n words from token from in one sentence; 0 when there is
// none.
func (sc *scan) orWeYou(from, n int) int {
	for k := from; k+1 < len(sc.toks) && k < from+n; k++ {
		if !sc.unbroken(from, k+1, false) {
			return 0
		}
		if sc.is(k, wOr) && sc.joined(k+1) && weYou(sc.word(k+1)) {
			return k + 1
		}
	}
	return 0
}

// weYou reports whether w reads as a first-person verb with a second-person
// object: a prefix of the first person (ن، سن، بن، حن، لن، ا), a stem of
// two or three letters, and one of secondPersonObjects (ك، كم، كن، ج; the
// normaliser writes چ as ك).
func weYou(w string) bool {
	w = strings.TrimPrefix(w, "و")
	for _, p := range []string{"سن", "بن", "حن", "لن", "ن", "ا"} {
		rest, ok := strings.CutPrefix(w, p)
		if !ok {
			continue
		}
		for _, s := range secondPersonObjects {
			// A stem of two or three letters: a noun with the pronoun
			// is longer (نهايتك، نتيجتك).
			if stem, ok := strings.CutSuffix(rest, s); ok && utf8.RuneCountInString(stem) >= 2 && utf8.RuneCountInString(stem) <= 3 {
				return true
			}
		}
	}
	return false
}

// damns reports whether the scan found words that damn a people: contempt,
// vilification, dehumanisation, exclusion or an insinuation.
func (sc *scan) damns() bool {
	for _, c := range []class{cContempt, cVilification, cDehumanise, cExclusion, cInsinuation} {
		if sc.hits[c].n > 0 {
			return true
		}
	}
	return false
}

// addUnlessTakenBack records signal name from the cue that fires it
// whatever follows (firm), or else from one that a later "but" (بس، لكن)
// takes back (soft).
func (sc *scan) addUnlessTakenBack(name string, firm hit, firmDetail string, soft hit, softDetail string) {
	switch {
	case firm.n > 0:
		sc.addHit(name, firm, firmDetail)
	case soft.n > 0 && sc.lastContrast < soft.to:
		sc.addHit(name, soft, softDetail)
	}
}

// withinHarm reports whether the reporting verb r stands inside the last
// words of a threat: "ولا تگول ما گالولي" (don't say you weren't warned)
// ends a threat and reports no one.
func (sc *scan) withinHarm(r hit) bool {
	return sc.lastHarm.n > 0 && r.from >= sc.lastHarm.from && r.to <= sc.lastHarm.to
}

// harmAfterAsked reports whether the reporting verb r is "you say" asked
// back (detail asked) and the last words of a threat, a call to harm or a
// slogan come after the question mark that closes it: "حرگتي شعري
// وتگولين طبيعي؟ والله لأرش عليچ تيزاب" asks the reader's words back, then
// threatens in the writer's own.
func (sc *scan) harmAfterAsked(r hit) bool {
	if r.detail != "asked" || sc.lastHarm.n == 0 {
		return false
	}
	end := sc.askedEnd(r)
	return end >= 0 && sc.lastHarm.from >= end
}

// reportsAfterHarm reports whether the first reporting verb r comes six
// words or more after the last words of a threat, a call to harm or a
// slogan, so that it reports none of them: "والله اذبحها … گلتلها الف
// مرة" threatens, then tells what was said to her before.
func (sc *scan) reportsAfterHarm(r hit) bool {
	return sc.lastHarm.n > 0 && sc.lastHarm.to+6 <= r.from
}

// askedBack reports whether the rejection r opens, at most two words after
// it, the sentence after a question mark, and no words of a threat, a call
// to harm or a slogan come after it: the question echoes what it rejects.
func (sc *scan) askedBack(r hit) bool {
	if r.from == 0 || r.from > len(sc.toks) {
		return false
	}
	asked := false
	for k := max(1, r.from-2); k <= r.from; k++ {
		gap := sc.text[sc.toks[k-1].end:sc.toks[k].start]
		if strings.ContainsAny(gap, "؟?") {
			asked = true
		} else if asked && strings.ContainsAny(gap, ".!:\n،,") {
			return false
		}
	}
	if !asked {
		return false
	}
	// "كلام فارغ؟": the rejection asked in turn rejects nothing.
	after := sc.text[sc.toks[r.to-1].end:]
	if r.to < len(sc.toks) {
		after = sc.text[sc.toks[r.to-1].end:sc.toks[r.to].start]
	}
	if strings.ContainsAny(after, "؟?") {
		return false
	}
	for _, h := range []hit{sc.hits[cThreat], sc.hits[cIncite], sc.hits[cJihad], sc.lastHarm} {
		if h.n > 0 && h.from >= r.from {
			return false // harm after the rejection: the writer's own
		}
	}
	return true
}

// harmOutside reports whether the words of a threat, a call to harm or a
// terrorist slogan stand outside the quotation q: the writer's own words.
func (sc *scan) harmOutside(q hit) bool {
	for _, h := range []hit{sc.hits[cThreat], sc.hits[cIncite], sc.hits[cJihad], sc.lastHarm} {
		if h.n > 0 && (h.to <= q.from || h.from >= q.to) {
			return true
		}
	}
	return false
}

// single records signal name from the first cue of class c, its detail after
// prefix, unless the signal is switched off.
func (d *Detector) single(sc *scan, name string, c class, prefix string) {
	if h := sc.hits[c]; !d.off[name] && h.n > 0 {
		sc.addHit(name, h, prefix+h.detail)
	}
}
