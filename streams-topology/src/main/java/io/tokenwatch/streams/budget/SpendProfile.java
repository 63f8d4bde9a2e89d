package io.tokenwatch.streams.budget;

import java.util.Arrays;
import java.util.function.LongUnaryOperator;

/**
 * What a group usually spends in each window of the week, and what that says about the rest of a
 * budget period. The profile is taken from the week before the last day (the same span the volume
 * metrics' baseline uses), one window per slot of the week; with less than a week of history but at
 * least a day, from the mean of each slot of the day instead. The last day's spend against what the
 * profile expected of it is the pace: a Monday at double pace projects the rest of the period at
 * double the usual Mondays, Tuesdays and weekends, while a quiet weekend that was quiet last week too
 * projects nothing unusual.
 */
public final class SpendProfile {
    private static final int MIN_EVIDENCE_WINDOWS = 3;
    private final long[] costBySlotOfWeek;
    private final int historySlots;
    private final double averageWindow;

    private SpendProfile(long[] costBySlotOfWeek, int historySlots) {
        this.costBySlotOfWeek = costBySlotOfWeek;
        this.historySlots = historySlots;
        this.averageWindow = (double) Arrays.stream(costBySlotOfWeek).sum() / costBySlotOfWeek.length;
    }

    /**
     * The profile of a group judged in window {@code currentSlot} whose first data was in {@code firstSlot},
     * or null with less than {@code day} windows of history before the last day. {@code costAt} gives a
     * window's cost in nano-dollars (0 for a window without calls).
     */
    public static SpendProfile of(long currentSlot, long firstSlot, int day, int week, LongUnaryOperator costAt) {
        long to = currentSlot - day;
        long from = Math.max(firstSlot, to - week + 1);
        int slots = (int) Math.max(0, to - from + 1);
        if (slots < day) {
            return null;
        }
        long[] profile = new long[week];
        if (slots >= week) {
            for (long s = from; s <= to; s++) {
                profile[slotOfWeek(s, week)] = costAt.applyAsLong(s);
            }
        } else {
            long[] sums = new long[day];
            int[] counts = new int[day];
            for (long s = from; s <= to; s++) {
                int slotOfDay = (int) Math.floorMod(s, day);
                sums[slotOfDay] += costAt.applyAsLong(s);
                counts[slotOfDay]++;
            }
            for (int i = 0; i < week; i++) {
                profile[i] = sums[i % day] / counts[i % day];
            }
        }
        return new SpendProfile(profile, slots);
    }

    /** Windows of history the profile was taken from. */
    public int historySlots() {
        return historySlots;
    }

    /** Usual cost of window {@code slot}, in nano-dollars. */
    public long usualCost(long slot) {
        return costBySlotOfWeek[slotOfWeek(slot, costBySlotOfWeek.length)];
    }

    private static int slotOfWeek(long slot, int week) {
        return (int) Math.floorMod(slot, week);
    }

    /**
     * The last day's spend against the profile's: {@code lastDayCost} covers the {@code day} windows
     * ending with {@code currentSlot}, of which {@code elapsed} (0..1) has passed. NaN while the profile
     * expected less of that day than three average windows: the first calls of a busy hour after a quiet
     * night say little about the pace (two calls in the first minute are not twenty times the usual).
     */
    public double pace(long lastDayCost, long currentSlot, int day, double elapsed) {
        double expected = usualCost(currentSlot) * elapsed;
        for (long s = currentSlot - day + 1; s < currentSlot; s++) {
            expected += usualCost(s);
        }
        return expected <= 0 || expected < MIN_EVIDENCE_WINDOWS * averageWindow ? Double.NaN : lastDayCost / expected;
    }

    /** Whether the profile covers a whole week (each slot of the week seen), enough to alert on. */
    public boolean coversWeek() {
        return historySlots >= costBySlotOfWeek.length;
    }

    /**
     * Where spend ends up at {@code periodEnd} if the rest of the period goes at {@code pace} times the
     * profile, from {@code now} with {@code spent} so far; and when it reaches {@code amount} (-1: not
     * before the period ends). Money in nano-dollars, times in epoch milliseconds.
     */
    public Projection project(long now, long windowMs, long spent, long periodEnd, long amount, double pace) {
        double total = spent;
        long exhaustedAt = spent >= amount ? now : -1;
        for (long from = now; from < periodEnd; ) {
            long slot = Math.floorDiv(from, windowMs);
            long to = Math.min(periodEnd, (slot + 1) * windowMs);
            double rate = pace * usualCost(slot) / windowMs; // nano-dollars per millisecond in this window
            double next = total + rate * (to - from);
            if (exhaustedAt < 0 && next >= amount && rate > 0) {
                exhaustedAt = from + (long) Math.ceil((amount - total) / rate);
            }
            total = next;
            from = to;
        }
        return new Projection(Math.round(total), exhaustedAt);
    }

    /** A period-end projection: spend in nano-dollars, and when it reaches the amount (-1: not in the period). */
    public record Projection(long periodEndSpend, long exhaustedAt) {
    }
}
