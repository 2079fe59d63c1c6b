package eval_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/eval"
)

func ExampleROCAUC() {
	scores := []float64{0.9, 0.8, 0.5, 0.5, 0.2}
	gold := []bool{true, false, true, false, false}
	// 0.9 outranks all three negatives; the positive at 0.5 outranks 0.2 and ties with 0.5 (half).
	fmt.Printf("ROC-AUC %.3f\n", eval.ROCAUC(scores, gold))
	fmt.Printf("average precision %.3f\n", eval.AveragePrecision(scores, gold))
	c := eval.ConfusionAt(scores, gold, 0.5)
	fmt.Printf("at 0.5: %+v, F1 %.2f\n", c, c.F1())
	// Output:
	// ROC-AUC 0.750
	// average precision 0.750
	// at 0.5: {TP:2 FP:2 TN:1 FN:0}, F1 0.67
}
