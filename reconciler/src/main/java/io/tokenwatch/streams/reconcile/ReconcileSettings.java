package io.tokenwatch.streams.reconcile;

import io.tokenwatch.runtime.config.SettingTypes;
import io.tokenwatch.runtime.config.SettingValues;
import io.tokenwatch.runtime.config.SettingsDeclaration;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Reconciliation against the providers' usage reports ({@code tokenwatch.reconcile.*}). The admin keys
 * are not settings: they come from {@code ANTHROPIC_ADMIN_KEY} / {@code OPENAI_ADMIN_KEY} or the files
 * named here (a mounted secret), and are never logged.
 *
 * @param topic          compacted topic of reconciled hours ({@code tokenwatch.topic.reconciliation}, shared with the dashboard)
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
    private static final String TOLERANCE = "tokenwatch.reconcile.tolerance";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define("tokenwatch.reconcile.anthropic.base.url", Type.STRING, "https://api.anthropic.com", SettingTypes.HTTP_URL, Importance.LOW,
                    "Anthropic's API (the Admin API's usage report).")
            .define("tokenwatch.reconcile.openai.base.url", Type.STRING, "https://api.openai.com", SettingTypes.HTTP_URL, Importance.LOW,
                    "OpenAI's API (the organization usage API).")
            .define("tokenwatch.reconcile.anthropic.key.file", Type.STRING, "", Importance.MEDIUM,
                    "A mounted secret holding the Anthropic Admin API key; else ANTHROPIC_ADMIN_KEY; a provider without a key is skipped.")
            .define("tokenwatch.reconcile.openai.key.file", Type.STRING, "", Importance.MEDIUM,
                    "A mounted secret holding the OpenAI admin key; else OPENAI_ADMIN_KEY.")
            .define("tokenwatch.reconcile.lookback", Type.STRING, "PT24H", SettingTypes.POSITIVE_DURATION, Importance.MEDIUM,
                    "How far back the first pass goes.")
            .define("tokenwatch.reconcile.model.memory", Type.STRING, "P7D", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "A model counts as known for an hour when a call of it was captured within this long before the hour's end.")
            .define("tokenwatch.reconcile.settle", Type.STRING, "PT2H", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "How long after its end an hour is reconciled (the reports fill in late).")
            .define("tokenwatch.reconcile.interval", Type.STRING, "PT1H", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "How often newly settled hours are looked for.")
            .define(TOLERANCE, Type.DOUBLE, 0.05, ConfigDef.LambdaValidator.with((key, value) -> {
                double tolerance = (Double) value;
                if (!(tolerance >= 0 && tolerance < 1)) {
                    throw new ConfigException(key, tolerance, "must be at least 0 and below 1 (0.05 = 5 %)");
                }
            }, () -> "[0, 1)"), Importance.MEDIUM, "Captured may differ from reported by this share (by cost) before it alerts.")
            .define("tokenwatch.reconcile.timeout", Type.STRING, "PT30S", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "One request to a usage API.")
            .define("tokenwatch.reconcile.max.backoff", Type.STRING, "PT5M", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "Longest wait between retries of a failing request.")
            .define("tokenwatch.reconcile.transactional.id", Type.STRING, "tokenwatch-reconciler", new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Each hour's record and its alert go out in one transaction; a second reconciler with this id fences the first off.");

    /** The reconciler's settings in a loaded configuration. */
    public static ReconcileSettings of(TokenwatchConfig config) {
        SettingValues v = config.values(DEFINITION);
        return new ReconcileSettings(config.reconciliationTopic, URI.create(v.string("tokenwatch.reconcile.anthropic.base.url")),
                URI.create(v.string("tokenwatch.reconcile.openai.base.url")), v.optionalPath("tokenwatch.reconcile.anthropic.key.file"),
                v.optionalPath("tokenwatch.reconcile.openai.key.file"), v.duration("tokenwatch.reconcile.lookback"),
                v.duration("tokenwatch.reconcile.model.memory"), v.duration("tokenwatch.reconcile.settle"), v.duration("tokenwatch.reconcile.interval"),
                v.decimal(TOLERANCE), v.duration("tokenwatch.reconcile.timeout"), v.duration("tokenwatch.reconcile.max.backoff"),
                v.string("tokenwatch.reconcile.transactional.id"));
    }

    /** Registers the reconciler's keys with every process that carries it. */
    public static final class Declaration extends SettingsDeclaration {
        public Declaration() {
            super("Reconciliation (reconcile)", DEFINITION, ReconcileSettings::of);
        }
    }
}
