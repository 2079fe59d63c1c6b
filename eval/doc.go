// Package eval measures Rasd's classifiers for researchers: per label
// precision, recall and F1 at the model card's threshold, ROC-AUC (ties count
// half), PR-AUC as average precision, the confusion matrix, calibration
// (expected calibration error and a reliability diagram), a threshold sweep
// with the threshold that reaches a target precision, and 95% bootstrap
// confidence intervals; HateCheck-style functional accuracy; per-target bias
// figures (false-positive and false-negative rates, subgroup, BPSN and BNSP
// AUC after Borkan et al. 2019); and paired comparisons of two models.
//
// A model is anything that implements Scorer. Data comes from package
// eval/dataset and reports are written by eval/report.
//
// The metrics rest on Ranked: each label's scores are sorted once, and every
// figure at a threshold is then one O(n) pass, weighted for a bootstrap
// resample. Resamples use the Poisson bootstrap with a generator per resample
// derived from the seed, spread over all cores; results do not depend on
// scheduling.
package eval
