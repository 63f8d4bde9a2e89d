package io.tokenwatch.producer;

import java.math.BigDecimal;
import java.time.LocalDate;

/**
 * Prices of one model family in USD per million tokens, with the long-context tier where the model
 * has one.
 */
public record ModelPrice(String model, String provider, Rates rates, long longContextAboveInputTokens, Rates longContextRates,
                         String source, LocalDate date) {

    /** One tier's unit prices, USD per million tokens. */
    public record Rates(BigDecimal input, BigDecimal output, BigDecimal cacheRead, BigDecimal cacheWrite5m, BigDecimal cacheWrite1h) {
    }

    /** The tier that applies to a call with {@code inputTokens} (all input, cached included). */
    public Rates ratesFor(long inputTokens) {
        return longContextRates != null && inputTokens > longContextAboveInputTokens ? longContextRates : rates;
    }

    public boolean isLongContext(long inputTokens) {
        return longContextRates != null && inputTokens > longContextAboveInputTokens;
    }
}
