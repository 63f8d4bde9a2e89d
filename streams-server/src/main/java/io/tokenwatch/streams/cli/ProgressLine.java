package io.tokenwatch.streams.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of one long step: on a terminal a bar redrawn in place; anywhere else (a log file, a pipe,
 * CI) a plain line at most every {@value #PLAIN_EVERY_MS} ms and the last state when the step ends,
 * so no carriage-return frames pile up in a file.
 */
public final class ProgressLine {
    private static final long PLAIN_EVERY_MS = 5_000;
    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final boolean terminal;
    private final String what;
    private long lastPlainMillis = Long.MIN_VALUE / 2; // far enough back that the first state prints, without overflow
    private String last;

    public ProgressLine(PrintWriter out, boolean terminal, String what) {
        this.out = out;
        this.terminal = terminal;
        this.what = what;
    }

    public void update(long done, long total, String detail) {
        long percent = total <= 0 ? 100 : Math.min(100, 100 * done / total);
        if (terminal) {
            int filled = (int) (WIDTH * percent / 100);
            out.print("\r" + String.format(Locale.ROOT, "%-10s [%s%s] %3d%% %s   ", what, "#".repeat(filled), ".".repeat(WIDTH - filled), percent, detail));
            out.flush();
            return;
        }
        last = String.format(Locale.ROOT, "%-10s %3d%% %s", what, percent, detail);
        long now = System.currentTimeMillis();
        if (now - lastPlainMillis >= PLAIN_EVERY_MS) {
            out.println(last);
            out.flush();
            lastPlainMillis = now;
            last = null;
        }
    }

    /** Ends the step: the bar's line is closed, or the last state not yet printed is. */
    public void finish() {
        if (terminal) {
            out.println();
        } else if (last != null) {
            out.println(last);
        }
        out.flush();
    }
}
