package io.tokenwatch.streams.notify;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.schemas.Alerts;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlackRoutingTest {
    private static final String SECRET = "https://hooks.slack.com/services/T000/B000/s3cr3t";

    private static SlackSettings settings(String routes, String file) {
        return SlackSettings.of(TokenwatchConfig.of(Map.of("bootstrap.servers", "localhost:9092", "schema.registry.url", "mock://x",
                "tokenwatch.slack.routes", routes, "tokenwatch.slack.webhooks.file", file)));
    }

    @Test
    void firstMatchingRuleWinsAndTheRestGoToDefault() {
        SlackSettings slack = settings("team=platform:platform, task=*:tasks", "");
        assertThat(slack.webhookFor("team", "platform")).isEqualTo("platform");
        assertThat(slack.webhookFor("team", "search")).isEqualTo("default");
        assertThat(slack.webhookFor("task", "anything")).isEqualTo("tasks");
    }

    @Test
    void aBudgetsOwnSlackRouteWinsOverTheRoutes() {
        SlackSettings slack = settings("team=platform:platform", "");
        assertThat(slack.webhookFor(Alerts.budgetAlert(AlertStatus.OPEN, 2_600, 0.5, null, "finops"))).isEqualTo("finops");
        assertThat(slack.webhookFor(Alerts.budgetAlert(AlertStatus.OPEN, 2_600, 0.5, null, null))).isEqualTo("platform");
    }

    @Test
    void webhooksComeFromEnvironmentAndSecretFileAndMissingOnesAreNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("webhooks.properties");
        Files.writeString(file, "platform=https://hooks.slack.com/services/T1/B1/p\n");
        SlackSettings slack = settings("team=platform:platform", file.toString());
        Webhooks webhooks = Webhooks.load(slack, Map.of("TOKENWATCH_SLACK_WEBHOOK_DEFAULT", SECRET));
        assertThat(webhooks.names()).containsExactly("default", "platform");
        assertThat(webhooks.url("default").toString()).isEqualTo(SECRET);
        assertThat(webhooks.toString()).doesNotContain("s3cr3t");
        assertThatThrownBy(() -> Webhooks.load(settings("team=search:search", ""), Map.of("TOKENWATCH_SLACK_WEBHOOK_DEFAULT", SECRET)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("No Slack webhook named 'search'")
                .hasMessageContaining("TOKENWATCH_SLACK_WEBHOOK_SEARCH");
    }

    @Test
    void aBadWebhookIsReportedByNameWithoutEchoingTheSecret() {
        assertThatThrownBy(() -> Webhooks.load(settings("", ""), Map.of("TOKENWATCH_SLACK_WEBHOOK_DEFAULT", "not a url s3cr3t")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'default'").satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
    }

    @Test
    void webhookVariablesAreNotConfigKeys() {
        Map<String, String> env = new java.util.HashMap<>(Map.of("TOKENWATCH_KAFKA_BOOTSTRAP_SERVERS", "b:9092",
                "TOKENWATCH_KAFKA_SCHEMA_REGISTRY_URL", "mock://x", "TOKENWATCH_SLACK_WEBHOOK_DEFAULT", SECRET));
        TokenwatchConfig config = TokenwatchConfig.load(null, env, Map.of());
        assertThat(config.kafkaProperties().values()).noneMatch(v -> v.contains("s3cr3t"));
        // Any other TOKENWATCH_ variable is a setting: a misspelt webhook variable is refused, without its value.
        env.put("TOKENWATCH_SLACK_WEBHOK_DEFAULT", SECRET);
        assertThatThrownBy(() -> TokenwatchConfig.load(null, env, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tokenwatch.slack.webhok.default: unknown setting").hasMessageNotContaining("s3cr3t");
    }

    @Test
    void badRouteNamesTheSetting() {
        assertThatThrownBy(() -> settings("team=platform", "")).isInstanceOf(ConfigException.class).hasMessageContaining("tokenwatch.slack.routes");
        assertThatThrownBy(() -> settings("colour=red:x", "")).isInstanceOf(ConfigException.class).hasMessageContaining("unknown dimension 'colour'");
    }
}
