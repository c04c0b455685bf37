// Package winrate turns pairwise judgments of a model against a baseline into win
// rates, confidence intervals and significance tests, with the definitions people
// know from AlpacaEval, Chatbot Arena (FastChat) and Arena-Hard.
//
// Every input becomes a list of [Comparison]s: one item, the model, the baseline
// and an outcome in [0, 1] seen from the model's side (1 = the model won, 0 = the
// baseline won, 0.5 = a draw, anything between = a judge's probability that the
// model is better). [Read] detects and reads AlpacaEval annotations.json files,
// Arena battle logs, Arena-Hard judgment files, a simple JSONL of outcomes and
// per-item metric scores of the two systems.
//
// [Stats] hold mergeable sums of the outcomes of one model against one baseline;
// [Scorer.Score] turns them into AlpacaEval's head-to-head numbers (win_rate,
// standard_error, discrete_win_rate, n_wins, n_wins_base, n_draws, n_total, in
// AlpacaEval's percent scale), Wilson and Clopper-Pearson intervals, the exact
// sign test and a paired t-test; [Scorer.Bootstrap] adds a seeded bootstrap
// interval. [FitRatings] fits Bradley-Terry ratings over many models, as
// FastChat does, with seeded bootstrap intervals and ranks; [OnlineElo] runs
// FastChat's online Elo; [LengthControlled] fits AlpacaEval's length-controlled
// GLM.
//
//	cs, _, _ := winrate.ReadFile("annotations.json", winrate.ReadConfig{})
//	sc, _ := winrate.New(winrate.Config{})
//	var st winrate.Stats
//	for _, c := range cs {
//		st.Add(c.Outcome)
//	}
//	fmt.Println(sc.Score(st).WinRate)
package winrate
