package io.tokenwatch.streams.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Reconciliation against the providers' usage reports ({@code tokenwatch.reconcile.*}). The admin keys
 * are not settings: they come from {@code ANTHROPIC_ADMIN_KEY} / {@code OPENAI_ADMIN_KEY} or the files
 * named here (a mounted secret), and are never logged.
 *
 * @param topic          compacted topic of reconciled hours ({@code tokenwatch.topic.reconciliation})
 * @param lookback       how far back the first pass goes
 * @param modelMemory    a model counts as known to Tokenwatch for an hour when a call of it was captured within this long before the hour's end
 * @param settle         how long after its end an hour is reconciled (the reports fill in late)
 * @param interval       how often newly settled hours are looked for
 * @param tolerance      captured may differ from reported by this share before it alerts
 * @param timeout        one request to a usage API
 * @param maxBackoff     longest wait between retries of a failing request
 * @param transactionalId the reconciler's producer writes each hour's record and its alert in one transaction
 */
public record ReconcileSettings(String topic, URI anthropicBaseUrl, URI openaiBaseUrl, Optional<Path> anthropicKeyFile, Optional<Path> openaiKeyFile,
                                Duration lookback, Duration modelMemory, Duration settle, Duration interval, double tolerance, Duration timeout, Duration maxBackoff,
                                String transactionalId) {
}
