// Package models loads Rasd's text classifiers and scores posts with them.
//
// A model is a directory holding model.onnx (the network, run by ONNX
// Runtime), model-card.json (labels, per-label thresholds, feature settings,
// training data and validation metrics; see Card) and MODEL_CARD.md (the same
// for people). Load opens one; Model.Score turns texts into Predictions:
// a score per label, the labels at or above their threshold (Flags), the
// speech-protecting context labels (Context) and lexicon Spans that point
// into the original text so that reviewers see why.
//
// Features are computed in Go: the text is normalised with package nlp,
// hashed into word and character n-gram buckets (see FeatureConfig) and
// matched against the curated lexicons in models/lexicons. The network
// (embedding bag, hidden layer, linear path, one sigmoid per label) runs in
// ONNX Runtime; Net is the same network in Go, used for training, export and
// to check the two agree.
//
// No model refers anything by itself: scores and flags only route posts to
// human reviewers.
package models
