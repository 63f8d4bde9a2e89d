package io.tokenwatch.streams.budget;

import java.util.List;

/** When a budget warns: each warning fraction once per period, and the forecast with a margin and hysteresis. */
public final class BudgetRule {
    private BudgetRule() {
    }

    /**
     * The highest of {@code fractions} that {@code spent} has reached and that is above the highest already
     * raised this period, or NaN. A call that crosses 50 % and 80 % at once raises one warning, at 80 %.
     */
    public static double warningCrossed(List<Double> fractions, double highestRaised, long spent, long amount) {
        double crossed = Double.NaN;
        for (double fraction : fractions) {
            if (fraction > highestRaised && spent >= Math.ceil(fraction * amount) && !(crossed >= fraction)) {
                crossed = fraction;
            }
        }
        return crossed;
    }

    /** What the forecast alert does after a new projection. */
    public enum ForecastChange { OPEN, RESOLVE, NONE }

    /**
     * Opens when the projection reaches {@code (1 + margin)} x the amount while spend is still under it
     * (once spent, the spend warnings say it); resolves once the projection falls back under the amount.
     */
    public static ForecastChange forecast(boolean open, long projected, long spent, long amount, double margin) {
        if (!open && spent < amount && projected >= amount * (1 + margin)) {
            return ForecastChange.OPEN;
        }
        if (open && projected < amount) {
            return ForecastChange.RESOLVE;
        }
        return ForecastChange.NONE;
    }
}
