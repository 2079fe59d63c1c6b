// Package policy holds Rasd's routing policy and the rules that stand between
// a model score and a referral to a platform or authority.
//
// A Policy is data, loaded from policy.yaml and validated on load (Parse,
// Load, Default): the label taxonomy with the score at or above which each
// violation label counts, the protected-speech categories and the separate,
// higher bar a protected item must clear, the legal and platform bases a
// referral may cite, and the routing rules (must-have and must-not-have
// labels, priority, urgency, what supersedes what).
//
// Route turns one item's model scores, context labels, lexicon signals and
// source type into a Decision: whether it enters the review queue, under
// which rule, how soon, why, and why it was considered protected. Nothing is
// referred by a model: a referral needs a reviewer's six-part Rabat Plan of
// Action assessment and, by default, a second reviewer's approval
// (CheckReferral). BuildReferralPackage assembles the notice sent to a
// platform; Transparency summarises a period's cases for publication.
//
// Every function here is pure apart from Load; the audit log that records
// each decision lives in the sub-package audit.
package policy
