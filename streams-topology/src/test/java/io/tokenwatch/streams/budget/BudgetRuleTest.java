package io.tokenwatch.streams.budget;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tokenwatch.streams.budget.BudgetRule.ForecastChange.NONE;
import static io.tokenwatch.streams.budget.BudgetRule.ForecastChange.OPEN;
import static io.tokenwatch.streams.budget.BudgetRule.ForecastChange.RESOLVE;
import static org.assertj.core.api.Assertions.assertThat;

class BudgetRuleTest {
    private static final List<Double> DEFAULT_FRACTIONS = List.of(0.5, 0.8, 1.0);

    @Test
    void eachFractionIsRaisedOnceAndACallCrossingTwoRaisesTheHigher() {
        assertThat(BudgetRule.warningCrossed(DEFAULT_FRACTIONS, 0, 499, 1000)).isNaN();
        assertThat(BudgetRule.warningCrossed(DEFAULT_FRACTIONS, 0, 500, 1000)).isEqualTo(0.5);
        assertThat(BudgetRule.warningCrossed(DEFAULT_FRACTIONS, 0.5, 700, 1000)).isNaN();
        assertThat(BudgetRule.warningCrossed(DEFAULT_FRACTIONS, 0.5, 1000, 1000)).isEqualTo(1.0);
        assertThat(BudgetRule.warningCrossed(DEFAULT_FRACTIONS, 1.0, 5000, 1000)).isNaN();
    }

    @Test
    void theForecastOpensAboveTheMarginAndResolvesOnlyUnderTheAmount() {
        assertThat(BudgetRule.forecast(false, 1_090, 100, 1_000, 0.1)).isEqualTo(NONE);
        assertThat(BudgetRule.forecast(false, 1_100, 100, 1_000, 0.1)).isEqualTo(OPEN);
        assertThat(BudgetRule.forecast(true, 1_050, 100, 1_000, 0.1)).isEqualTo(NONE);
        assertThat(BudgetRule.forecast(true, 999, 100, 1_000, 0.1)).isEqualTo(RESOLVE);
        // Already spent: the spend warnings say so, the forecast does not open.
        assertThat(BudgetRule.forecast(false, 3_000, 1_000, 1_000, 0.1)).isEqualTo(NONE);
    }
}
