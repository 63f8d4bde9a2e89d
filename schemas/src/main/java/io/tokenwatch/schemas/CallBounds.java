package io.tokenwatch.schemas;

import java.math.BigDecimal;

/**
 * The most one call may claim. No real call comes near the defaults (the largest context windows hold a
 * few million tokens); a record beyond them is a bug or an attack, and keeping counts this far below
 * {@code Long.MAX_VALUE} keeps every sum of them exact.
 *
 * @param maxTokens      any one token count ({@code tokenwatch.max.tokens.per.call})
 * @param maxLabelLength any attribution label, id or tag, in characters ({@code tokenwatch.max.label.length})
 */
public record CallBounds(long maxTokens, int maxLabelLength) {
    /** Counts above this could overflow a window's sums long before a window filled. */
    public static final long TOKENS_CEILING = 1L << 40;
    public static final CallBounds DEFAULT = new CallBounds(100_000_000L, 256);
    /**
     * The most one call may cost. The dearest model's output price times {@link #DEFAULT}'s token bound is
     * $7,500; this keeps a window's cost, summed in nano-dollars, exact for any real number of calls.
     */
    public static final BigDecimal MAX_COST_USD = BigDecimal.valueOf(100_000);

    public CallBounds {
        if (maxTokens < 1 || maxTokens > TOKENS_CEILING) {
            throw new IllegalArgumentException("maxTokens must be from 1 to " + TOKENS_CEILING + ", not " + maxTokens);
        }
        if (maxLabelLength < 1) {
            throw new IllegalArgumentException("maxLabelLength must be positive, not " + maxLabelLength);
        }
    }
}
