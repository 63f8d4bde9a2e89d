package io.tokenwatch.streams.reconcile;

import io.tokenwatch.events.v1.ReconciliationHour;
import io.tokenwatch.events.v1.ReconciliationStatus;
import io.tokenwatch.producer.ModelPrice;
import io.tokenwatch.producer.PriceCatalog;
import io.tokenwatch.producer.TokenUsage;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * One provider, model and hour: reported against captured, both priced from the catalog the same way,
 * and what that means. The capture ratio is by cost (a cache read and an output token are not worth the
 * same); a model the catalog does not price is compared by tokens.
 */
final class HourComparison {
    private HourComparison() {
    }

    /** The model name both sides are matched by: the catalog's (dated releases fold into their family), else the name itself. */
    static String canonical(PriceCatalog catalog, String model) {
        return catalog.find(model).map(ModelPrice::model).orElse(model.toLowerCase(Locale.ROOT));
    }

    /**
     * @param reported    the provider's figures (null: it reports nothing for this model and hour)
     * @param captured    Tokenwatch's (null: no call)
     * @param knownModel whether Tokenwatch captured a call of this model within the model memory before the hour's end
     */
    static ReconciliationHour compare(String provider, String model, Instant hour, ProviderUsage reported, ProviderUsage captured, boolean knownModel,
                                      PriceCatalog catalog, double tolerance, Instant now) {
        ProviderUsage r = reported != null ? reported : new ProviderUsage(provider, model, hour, 0, 0, 0, 0, null);
        ProviderUsage c = captured != null ? captured : new ProviderUsage(provider, model, hour, 0, 0, 0, 0, 0L);
        Optional<ModelPrice> price = catalog.find(model);
        double reportedValue = value(r, price);
        double capturedValue = value(c, price);
        double reportedCost = price.isPresent() ? reportedValue : 0;
        double capturedCost = price.isPresent() ? capturedValue : 0;
        Double ratio = reportedValue > 0 ? capturedValue / reportedValue : null;
        ReconciliationStatus status;
        if (reportedValue <= 0) {
            status = capturedValue > 0 ? ReconciliationStatus.OVERCOUNTED : ReconciliationStatus.MATCHED;
        } else if (!knownModel) {
            status = ReconciliationStatus.UNKNOWN_MODEL;
        } else if (ratio < 1 - tolerance) {
            status = ReconciliationStatus.UNTRACKED;
        } else if (ratio > 1 + tolerance) {
            status = ReconciliationStatus.OVERCOUNTED;
        } else {
            status = ReconciliationStatus.MATCHED;
        }
        return ReconciliationHour.newBuilder().setProvider(provider).setModel(model).setHourStart(hour)
                .setReportedInputTokens(r.inputTokens()).setReportedOutputTokens(r.outputTokens())
                .setReportedCacheReadTokens(r.cacheReadTokens()).setReportedCacheWriteTokens(r.cacheWriteTokens()).setReportedRequests(r.requests())
                .setCapturedInputTokens(c.inputTokens()).setCapturedOutputTokens(c.outputTokens()).setCapturedCacheReadTokens(c.cacheReadTokens())
                .setCapturedCacheWriteTokens(c.cacheWriteTokens()).setCapturedCalls(c.requests() == null ? 0 : c.requests())
                .setReportedCostUsd(reportedCost).setCapturedCostUsd(capturedCost).setCaptureRatio(ratio)
                .setGapCostUsd(reportedCost - capturedCost).setStatus(status).setAlertId(null).setReconciledAt(now).build();
    }

    /** The usage priced from the catalog (USD), or its total tokens when the catalog has no price. */
    private static double value(ProviderUsage u, Optional<ModelPrice> price) {
        if (price.isEmpty()) {
            return u.inputTokens() + u.outputTokens();
        }
        TokenUsage usage = new TokenUsage(u.inputTokens(), u.outputTokens(), u.cacheReadTokens(), u.cacheWriteTokens(), 0, 0);
        return PriceCatalog.cost(usage, price.get()).doubleValue();
    }
}
