package io.tokenwatch.streams.budget;

import io.tokenwatch.streams.stats.StateFormat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A budget's spend in its current period and the state of its alerts: stored per budget key, so it
 * rolls back with the rest of the state.
 *
 * @param periodStart        start of the period the spend counts (epoch ms)
 * @param periodEnd          its end, exclusive
 * @param spentNanos         spend so far in the period, nano-dollars
 * @param calls              calls counted in the period
 * @param highestWarning     highest warning fraction already raised this period (0: none)
 * @param spendOpenedAt      event time of the period's first warning (0: none)
 * @param forecastOpenedAt   event time the open forecast alert opened (0: none open)
 * @param projectedNanos     the period-end projection made at the last call (-1: none, too little history)
 * @param exhaustedAt        when that projection reaches the amount (-1: not within the period)
 * @param asOf               event time of the last call counted
 */
public record BudgetSpend(long periodStart, long periodEnd, long spentNanos, long calls, double highestWarning, long spendOpenedAt,
                          long forecastOpenedAt, long projectedNanos, long exhaustedAt, long asOf) {
    private static final byte FORMAT = 1;

    /** A period with nothing counted yet, or {@code spentNanos} counted from the windows already kept. */
    public static BudgetSpend starting(BudgetCalendar.Span period, long spentNanos, long calls) {
        return new BudgetSpend(period.start(), period.end(), spentNanos, calls, 0, 0, 0, -1, -1, period.start());
    }

    public BudgetSpend plus(long costNanos, long moreCalls) {
        return new BudgetSpend(periodStart, periodEnd, spentNanos + costNanos, calls + moreCalls, highestWarning, spendOpenedAt, forecastOpenedAt,
                projectedNanos, exhaustedAt, asOf);
    }

    public BudgetSpend warned(double fraction, long at) {
        return new BudgetSpend(periodStart, periodEnd, spentNanos, calls, fraction, spendOpenedAt == 0 ? at : spendOpenedAt, forecastOpenedAt,
                projectedNanos, exhaustedAt, asOf);
    }

    public BudgetSpend forecastOpen(long openedAt) {
        return new BudgetSpend(periodStart, periodEnd, spentNanos, calls, highestWarning, spendOpenedAt, openedAt, projectedNanos, exhaustedAt, asOf);
    }

    /** The projection made at the call of event time {@code at} (null: none could be made). */
    public BudgetSpend projected(SpendProfile.Projection projection, long at) {
        return new BudgetSpend(periodStart, periodEnd, spentNanos, calls, highestWarning, spendOpenedAt, forecastOpenedAt,
                projection == null ? -1 : projection.periodEndSpend(), projection == null ? -1 : projection.exhaustedAt(), at);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(periodStart);
            out.writeLong(periodEnd);
            out.writeLong(spentNanos);
            out.writeLong(calls);
            out.writeDouble(highestWarning);
            out.writeLong(spendOpenedAt);
            out.writeLong(forecastOpenedAt);
            out.writeLong(projectedNanos);
            out.writeLong(exhaustedAt);
            out.writeLong(asOf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static BudgetSpend fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            StateFormat.check(in.readByte(), FORMAT, "budget spend");
            return new BudgetSpend(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readDouble(), in.readLong(), in.readLong(),
                    in.readLong(), in.readLong(), in.readLong());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
