package io.tokenwatch.streams.notify;

import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.runtime.config.CoreSettings;
import io.tokenwatch.runtime.config.SettingTypes;
import io.tokenwatch.runtime.config.SettingValues;
import io.tokenwatch.runtime.config.SettingsDeclaration;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Settings of the {@code notify-slack} command. Webhook URLs are not settings: they are secrets,
 * read from {@code TOKENWATCH_SLACK_WEBHOOK_<NAME>} environment variables or the mounted
 * {@code webhooksFile} (lines {@code name=url}), and referred to here only by name.
 *
 * @param notifiedTopic   compacted topic remembering which alert updates were posted (survives restarts)
 * @param groupId         the notifier's consumer group
 * @param routes          first matching rule picks the webhook; unmatched alerts go to {@code default}
 * @param webhooksFile    optional secret file with {@code name=url} lines
 * @param dashboardUrl    base URL of the dashboard for links in messages; empty for none
 * @param minInterval     least time between two posts to one webhook (Slack allows about one a second)
 * @param stormPerMinute  more alerts than this in a minute to one webhook are sent as one digest
 * @param timeout         HTTP request timeout; a timed-out post is retried
 * @param maxBackoff      cap of the exponential backoff between retries of a failing webhook
 * @param postResolved    also post when an episode resolves
 */
public record SlackSettings(String notifiedTopic, String groupId, List<Route> routes, Optional<Path> webhooksFile, String dashboardUrl,
                            Duration minInterval, int stormPerMinute, Duration timeout, Duration maxBackoff, boolean postResolved) {
    public static final String WEBHOOK_ENV_PREFIX = "TOKENWATCH_SLACK_WEBHOOK_";
    public static final String DEFAULT_WEBHOOK = "default";
    static final String ROUTES = "tokenwatch.slack.routes";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define("tokenwatch.topic.notified", Type.STRING, "llm.alerts.notified.v1", SettingTypes.TOPIC_NAME, Importance.MEDIUM,
                    "Compacted ledger of the alert updates posted, so a restart neither loses nor re-posts one.")
            .define("tokenwatch.slack.group.id", Type.STRING, "tokenwatch-slack-notifier", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "The notifier's consumer group.")
            .define(ROUTES, Type.STRING, "", Importance.MEDIUM,
                    "dimension=group:webhook,... (group may be *); the first match picks the webhook, unmatched alerts go to 'default'.")
            .define("tokenwatch.slack.webhooks.file", Type.STRING, "", Importance.MEDIUM,
                    "Secret file of name=url lines; or TOKENWATCH_SLACK_WEBHOOK_<NAME> variables.")
            .define("tokenwatch.slack.dashboard.url", Type.STRING, "", Importance.LOW, "Base URL for the messages' \"Open in dashboard\" buttons.")
            .define("tokenwatch.slack.min.interval", Type.STRING, "PT1S", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "Least time between two posts to one webhook (Slack allows about one a second).")
            .define("tokenwatch.slack.storm.per.minute", Type.INT, 10, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "More alerts than this in a minute to one webhook are sent as one digest.")
            .define("tokenwatch.slack.timeout", Type.STRING, "PT10S", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "Request timeout; a timed-out post is retried.")
            .define("tokenwatch.slack.max.backoff", Type.STRING, "PT5M", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "Cap of the exponential backoff between retries of a failing webhook.")
            .define("tokenwatch.slack.post.resolved", Type.BOOLEAN, true, Importance.LOW, "Also post when an episode resolves.");

    /** The notifier's settings in a loaded configuration. */
    public static SlackSettings of(TokenwatchConfig config) {
        SettingValues v = config.values(DEFINITION);
        return new SlackSettings(v.string("tokenwatch.topic.notified"), v.string("tokenwatch.slack.group.id"), parseRoutes(v.string(ROUTES)),
                v.optionalPath("tokenwatch.slack.webhooks.file"), v.string("tokenwatch.slack.dashboard.url"), v.duration("tokenwatch.slack.min.interval"),
                v.integer("tokenwatch.slack.storm.per.minute"), v.duration("tokenwatch.slack.timeout"), v.duration("tokenwatch.slack.max.backoff"),
                v.bool("tokenwatch.slack.post.resolved"));
    }

    /** Registers the notifier's keys with every process that carries it. */
    public static final class Declaration extends SettingsDeclaration {
        public Declaration() {
            super("Slack notifier (notify-slack)", DEFINITION, SlackSettings::of);
        }
    }

    /** Alerts whose {@code dimension} is {@code dimension} and group is {@code group} ({@code *} for any) go to {@code webhook}. */
    public record Route(String dimension, String group, String webhook) {
        public boolean matches(String alertDimension, String alertGroup) {
            return dimension.equals(alertDimension) && (group.equals("*") || group.equals(alertGroup));
        }
    }

    /**
     * The webhooks configured, name to URL (a secret: never to be shown): from {@code TOKENWATCH_SLACK_WEBHOOK_<NAME>}
     * environment variables and the optional mounted file of {@code name=url} lines, the file winning.
     */
    public Map<String, String> webhookUrls(Map<String, String> env) {
        Map<String, String> raw = new TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(WEBHOOK_ENV_PREFIX)) {
                raw.put(k.substring(WEBHOOK_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-'), v.trim());
            }
        });
        webhooksFile().ifPresent(file -> {
            Properties props = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read the Slack webhooks file " + file, e);
            }
            props.stringPropertyNames().forEach(name -> raw.put(name.trim().toLowerCase(Locale.ROOT), props.getProperty(name).trim()));
        });
        return raw;
    }

    /** The environment variable that holds webhook {@code name}'s URL. */
    public static String webhookEnvVariable(String name) {
        return WEBHOOK_ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The webhook name for an alert of this dimension and group. */
    public String webhookFor(String dimension, String group) {
        return routes.stream().filter(r -> r.matches(dimension, group)).map(Route::webhook).findFirst().orElse(DEFAULT_WEBHOOK);
    }

    /** The webhook of an alert: its budget's own Slack route when it has one, else {@link #webhookFor(String, String)}. */
    public String webhookFor(AnomalyAlert alert) {
        return alert.getBudget() != null && alert.getBudget().getSlackRoute() != null ? alert.getBudget().getSlackRoute()
                : webhookFor(alert.getDimension(), alert.getGroup());
    }

    /** {@code team=platform:platform-alerts, task=*:tasks} — comma-separated {@code dimension=group:webhook}. */
    static List<Route> parseRoutes(String raw) {
        List<Route> routes = new ArrayList<>();
        for (String rule : raw.split(",")) {
            if (rule.isBlank()) {
                continue;
            }
            String[] target = rule.trim().split(":", 2);
            String[] match = target[0].split("=", 2);
            if (target.length != 2 || match.length != 2 || match[0].isBlank() || match[1].isBlank() || !target[1].matches("[a-z0-9_-]+")) {
                throw new ConfigException(ROUTES, rule.trim(),
                        "expected dimension=group:webhook (group may be *, webhook name lower case), e.g. team=platform:platform");
            }
            if (!CoreSettings.KNOWN_DIMENSIONS.contains(match[0].trim())) {
                throw new ConfigException(ROUTES, rule.trim(), "unknown dimension '" + match[0].trim() + "'");
            }
            routes.add(new Route(match[0].trim(), match[1].trim(), target[1].trim()));
        }
        return List.copyOf(routes);
    }
}
