package io.tokenwatch.streams.stats;


import java.nio.ByteBuffer;
import java.util.function.LongFunction;

/**
 * The running sums one group needs to judge its current window, kept in O(1) work per event: instead
 * of scanning 168 windows, each range slides forward by adding the window that enters and subtracting
 * the one that leaves (read from the per-window store only when the current window moves).
 *
 * <ul>
 *   <li>{@code previousWeek}: the {@code week} windows before the current one (ratio metrics' baseline);</li>
 *   <li>{@code lastDay}: the {@code day} windows ending with the current one (volume metrics, observed);</li>
 *   <li>{@code weekBeforeLastDay}: the {@code week} windows before {@code lastDay} (volume baseline).</li>
 * </ul>
 * Slots are window indexes (event time / window size); the baseline never includes the window judged.
 */
public final class RollingBaseline {
    private static final byte FORMAT_VERSION = 1;

    private final int week;
    private final int day;
    private long firstSlot;
    private long currentSlot;
    private final WindowSums previousWeek;
    private final WindowSums lastDay;
    private final WindowSums weekBeforeLastDay;

    private RollingBaseline(int week, int day, long firstSlot, long currentSlot,
                            WindowSums previousWeek, WindowSums lastDay, WindowSums weekBeforeLastDay) {
        this.week = week;
        this.day = day;
        this.firstSlot = firstSlot;
        this.currentSlot = currentSlot;
        this.previousWeek = previousWeek;
        this.lastDay = lastDay;
        this.weekBeforeLastDay = weekBeforeLastDay;
    }

    /** A group first seen in {@code slot}. */
    public static RollingBaseline startingAt(long slot, int week, int day) {
        return new RollingBaseline(week, day, slot, slot, new WindowSums(), new WindowSums(), new WindowSums());
    }

    public long currentSlot() {
        return currentSlot;
    }

    public long firstSlot() {
        return firstSlot;
    }

    /** Oldest slot any range can still need: older windows may be deleted. */
    public long oldestRetainedSlot() {
        return currentSlot - day - week + 1;
    }

    public WindowSums previousWeek() {
        return previousWeek;
    }

    public WindowSums lastDay() {
        return lastDay;
    }

    public WindowSums weekBeforeLastDay() {
        return weekBeforeLastDay;
    }

    /** Windows of history in {@link #previousWeek()}. */
    public int previousWeekSlots() {
        return (int) Math.max(0, Math.min(week, currentSlot - firstSlot));
    }

    /** Windows of history in {@link #weekBeforeLastDay()}. */
    public int weekBeforeLastDaySlots() {
        long to = currentSlot - day;
        long from = Math.max(firstSlot, currentSlot - day - week + 1);
        return (int) Math.max(0, to - from + 1);
    }

    /**
     * Moves the current window forward to {@code slot}. {@code windowAt} returns the stored sums of a
     * slot at or before the old current one (or null when empty); slots after it hold nothing yet.
     */
    public void advanceTo(long slot, LongFunction<WindowSums> windowAt) {
        if (slot <= currentSlot) {
            return;
        }
        long oldCurrent = currentSlot;
        slide(previousWeek, oldCurrent - week, oldCurrent - 1, slot - week, slot - 1, oldCurrent, windowAt);
        slide(lastDay, oldCurrent - day + 1, oldCurrent, slot - day + 1, slot, oldCurrent, windowAt);
        slide(weekBeforeLastDay, oldCurrent - day - week + 1, oldCurrent - day, slot - day - week + 1, slot - day, oldCurrent, windowAt);
        currentSlot = slot;
    }

    private void slide(WindowSums range, long from, long to, long newFrom, long newTo, long lastFilled, LongFunction<WindowSums> windowAt) {
        if (newFrom > to) {
            zero(range);
        } else {
            for (long s = Math.max(from, firstSlot); s < newFrom; s++) {
                addSlot(range, s, -1, windowAt);
            }
        }
        for (long s = Math.max(Math.max(to + 1, newFrom), firstSlot); s <= Math.min(newTo, lastFilled); s++) {
            addSlot(range, s, +1, windowAt);
        }
    }

    private static void addSlot(WindowSums range, long slot, int sign, LongFunction<WindowSums> windowAt) {
        WindowSums window = windowAt.apply(slot);
        if (window != null) {
            range.addAll(window, sign);
        }
    }

    private static void zero(WindowSums range) {
        range.addAll(range.copy(), -1);
    }

    /**
     * Applies a change made to window {@code slot} (at or before the current one) to every range that
     * contains it. Returns false when the slot is too old to be kept.
     */
    public boolean apply(long slot, WindowSums delta) {
        if (slot < oldestRetainedSlot()) {
            return false;
        }
        if (slot < firstSlot) {
            firstSlot = slot;
        }
        if (slot >= currentSlot - week && slot <= currentSlot - 1) {
            previousWeek.addAll(delta, 1);
        }
        if (slot >= currentSlot - day + 1 && slot <= currentSlot) {
            lastDay.addAll(delta, 1);
        }
        if (slot >= currentSlot - day - week + 1 && slot <= currentSlot - day) {
            weekBeforeLastDay.addAll(delta, 1);
        }
        return true;
    }

    public byte[] toBytes() {
        StateBuffer out = new StateBuffer(512);
        out.ensureRemaining(1 + 5 + 5 + 10 + 10);
        ByteBuffer buffer = out.buffer();
        buffer.put(FORMAT_VERSION);
        Varints.writeVarint(week, buffer);
        Varints.writeVarint(day, buffer);
        Varints.writeVarlong(firstSlot, buffer);
        Varints.writeVarlong(currentSlot, buffer);
        previousWeek.writeTo(out);
        lastDay.writeTo(out);
        weekBeforeLastDay.writeTo(out);
        return out.toArray();
    }

    public static RollingBaseline fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        StateFormat.check(in.get(), FORMAT_VERSION, "rolling baseline");
        int week = Varints.readVarint(in);
        int day = Varints.readVarint(in);
        long first = Varints.readVarlong(in);
        long current = Varints.readVarlong(in);
        return new RollingBaseline(week, day, first, current, WindowSums.readFrom(in), WindowSums.readFrom(in), WindowSums.readFrom(in));
    }
}
