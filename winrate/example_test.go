package winrate_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/sophia-ai/sophia-eval/winrate"
)

// Read detects the format; Stats sum the outcomes; Score gives AlpacaEval's
// head-to-head figures, intervals and tests.
func Example() {
	battles := `{"model_a": "tuned", "model_b": "base", "winner": "model_a"}
{"model_a": "base", "model_b": "tuned", "winner": "model_b"}
{"model_a": "tuned", "model_b": "base", "winner": "tie"}
{"model_a": "tuned", "model_b": "base", "winner": "model_b"}
{"model_a": "base", "model_b": "tuned", "winner": "tie (bothbad)"}
{"model_a": "tuned", "model_b": "base", "winner": "model_a"}
`
	cs, info, err := winrate.Read(strings.NewReader(battles), "battles.jsonl", winrate.ReadConfig{})
	if err != nil {
		panic(err)
	}
	sc, _ := winrate.New(winrate.Config{})
	r := sc.Score(winrate.StatsOf(winrate.HeadToHead(cs, "tuned", "base")))
	fmt.Println(info.Format, r.NWins, r.NWinsBase, r.NDraws, r.NTotal)
	fmt.Printf("win rate %.2f %% ± %.2f, Wilson [%.1f, %.1f], sign test p = %.3f\n",
		r.WinRate, r.StandardError, r.Wilson.Low, r.Wilson.High, r.SignTest.P)
	// Output:
	// arena 3 1 2 6
	// win rate 66.67 % ± 16.67, Wilson [30.0, 90.3], sign test p = 0.625
}

// Bootstrap gives a seeded percentile interval of the win rate.
func ExampleScorer_Bootstrap() {
	sc, _ := winrate.New(winrate.Config{Bootstrap: 1000, Seed: 1})
	outcomes := []float64{1, 1, 0, 0.5, 1, 0, 1, 1, 0.5, 1}
	iv, _ := sc.Bootstrap(context.Background(), outcomes)
	fmt.Printf("[%.0f, %.0f]\n", iv.Low, iv.High)
	// Output:
	// [45, 90]
}

// FitRatings rates every model of a battle log by Bradley-Terry on FastChat's
// scale; WinRate predicts a head-to-head win rate from two ratings (Arena-Hard
// v0.1's score). For a log too large for memory, count the battles of Scan
// into a Battles and call FitBattles.
func ExampleFitRatings() {
	battles := `{"model_a": "tuned", "model_b": "base", "winner": "model_a"}
{"model_a": "base", "model_b": "tuned", "winner": "model_b"}
{"model_a": "tuned", "model_b": "base", "winner": "model_b"}
{"model_a": "tuned", "model_b": "other", "winner": "tie"}
{"model_a": "other", "model_b": "base", "winner": "model_a"}
{"model_a": "base", "model_b": "other", "winner": "model_a"}
{"model_a": "tuned", "model_b": "other", "winner": "model_a"}
`
	cs, _, err := winrate.Read(strings.NewReader(battles), "battles.jsonl", winrate.ReadConfig{})
	if err != nil {
		panic(err)
	}
	r, err := winrate.FitRatings(context.Background(), cs, winrate.RatingConfig{
		Anchor: "base", AnchorRating: 1000, Rounds: -1, // no bootstrap intervals
	})
	if err != nil {
		panic(err)
	}
	base, _ := r.Find("base")
	for _, m := range r.Models {
		fmt.Printf("%d %-5s %6.1f  %2d battles  %4.1f %% against base\n",
			m.Rank, m.Model, m.Rating, m.Battles, r.WinRate(m.Rating, base.Rating))
	}
	// Output:
	// 1 tuned 1138.1   5 battles  68.9 % against base
	// 2 base  1000.0   5 battles  50.0 % against base
	// 3 other  976.8   4 battles  46.7 % against base
}
