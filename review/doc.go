// Package review is Rasd's human review queue: the shared types of accounts,
// sessions, leases (claims), decisions and reviewer verdicts, the Store
// contract that the embedded (review/boltstore) and Redis
// (review/redisstore) implementations fulfil, and the rules both apply.
//
// No model refers anything by itself: the pipeline puts items in the review
// queue, and people decide. An item is held by one reviewer at a time under
// a lease that expires; a decision is accepted only from the reviewer who
// holds the current lease, so two reviewers never decide the same item
// unknowingly. With a second review required, the first decision sends the
// item back to the queue for another reviewer; when the two disagree (or a
// reviewer escalates) the item goes to a senior reviewer, whose decision is
// final. Verdicts (true positive, false positive, wrong label) are kept as
// labelled data for evaluation and retraining.
//
// The queue is kept in review order by an index keyed by
// urgent|score|priority|time|id (see IndexKey): what is urgent first, then
// the highest scores, so that listing a page never sorts the whole queue.
package review
