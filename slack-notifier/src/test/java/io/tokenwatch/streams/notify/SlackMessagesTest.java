package io.tokenwatch.streams.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.schemas.Alerts;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class SlackMessagesTest {

    @Test
    void aGroupNamedLikeAMentionCannotPageTheChannelFromTheNotificationText() {
        JsonNode message = new SlackMessages("").forAlert(Alerts.alert("task", "<!channel> & co", "tokens_per_call", AlertStatus.OPEN, 1.625));
        assertThat(message.get("text").asText()).isEqualTo(":rotating_light: New alert: tokens_per_call up 63% for task=&lt;!channel&gt; &amp; co");
    }

    @Test
    void newAlertSaysWhatJumpedByHowMuchAndWhatItCosts() {
        JsonNode message = new SlackMessages("https://tokenwatch.example.com/").forAlert(
                Alerts.alert("task", "code-review", "tokens_per_call", AlertStatus.OPEN, 1.625));
        assertThat(message.get("text").asText()).isEqualTo(":rotating_light: New alert: tokens_per_call up 63% for task=code-review");
        String all = message.toString();
        assertThat(all).contains("1,950 vs 1,200 (1.63x)")
                .contains("2026-11-24 10:00 UTC – 11:00")
                .contains("42 calls in window, 16,800 in baseline (168 h)")
                .contains("$12.40 above baseline")
                .contains("model `claude-opus-4-1` $8.20 (66%)")
                .contains("threshold +30%");
        JsonNode button = message.get("blocks").findValue("url");
        assertThat(button.asText()).isEqualTo("https://tokenwatch.example.com/#group=task/code-review");
    }

    @Test
    void escalationSaysItWasAlreadyPostedAndIsNotANewAlert() {
        String text = new SlackMessages("").forAlert(Alerts.alert("task", "code-review", "tokens_per_call", AlertStatus.ESCALATED, 2.1))
                .get("text").asText();
        assertThat(text).startsWith(":arrow_double_up: Escalated (now ≥ 2.0x, already posted 2026-11-24 10:20 UTC)").doesNotContain("New alert");
    }

    @Test
    void aBudgetWarningNamesTheBudgetTheSpendTheFractionAndThePeriodEnd() {
        JsonNode message = new SlackMessages("").forAlert(Alerts.budgetAlert(AlertStatus.ESCALATED, 4_012.5, 0.8, null, null));
        assertThat(message.get("text").asText())
                .isEqualTo(":money_with_wings: team=platform has spent 80% of its $5,000 monthly budget ($4,013); the month ends 2026-11-30 23:00 UTC");
        assertThat(message.toString()).contains("$4,013 of $5,000 (80%)").contains("2026-10-31 23:00 UTC – 2026-11-30 23:00 UTC (Europe/Berlin month)")
                .contains("@platform-lead").contains("budget `team|platform|month`");
    }

    @Test
    void aBudgetForecastSaysWhereThePaceEndsAndWhenTheMoneyRunsOut() {
        JsonNode message = new SlackMessages("").forAlert(Alerts.budgetAlert(AlertStatus.OPEN, 1_900, null, 6_200.0, null));
        assertThat(message.get("text").asText())
                .isEqualTo(":crystal_ball: At this pace team=platform spends $6,200 of its $5,000 monthly budget; the money runs out 2026-11-19 14:00 UTC");
        assertThat(message.toString()).contains("$6,200 (124%), runs out 2026-11-19 14:00 UTC");
        assertThat(new SlackMessages("").forAlert(Alerts.budgetAlert(AlertStatus.RESOLVED, 4_900, 0.8, null, null)).get("text").asText())
                .isEqualTo(":white_check_mark: Budget warning over for team=platform ($5,000 monthly budget): the month ended at $4,900");
    }

    @Test
    void aCaptureGapSaysWhatWasBilledAndWhatReachedTokenwatch() {
        AnomalyAlert gap = AnomalyAlert.newBuilder(Alerts.alert("provider", "anthropic/claude-sonnet-4-5", "capture_gap", AlertStatus.OPEN, 0.8))
                .setObserved(0.114).setBaseline(0.1425).setCostImpactUsd(0.0285).setThreshold(0.05).setWindowCalls(8).setBaselineCalls(0).build();
        JsonNode message = new SlackMessages("").forAlert(gap);
        assertThat(message.get("text").asText()).isEqualTo(":mag: $0.03 of anthropic/claude-sonnet-4-5 spend in an hour never reached Tokenwatch (80% captured)");
        assertThat(message.toString()).contains("$0.14 vs $0.11 (80% captured)").contains("2026-11-24 10:00 UTC – 11:00").contains("tolerance ±5%");
        AnomalyAlert unknown = AnomalyAlert.newBuilder(gap).setGroup("anthropic/claude-opus-4-1").setObserved(0).setBaseline(0.15).setRatio(0).build();
        assertThat(new SlackMessages("").forAlert(unknown).get("text").asText())
                .isEqualTo(":mag: anthropic/claude-opus-4-1 is billed ($0.15 in an hour) but Tokenwatch has never seen it: a service calls it without producer-lib");
    }

    @Test
    void unitsFollowTheMetric() {
        assertThat(SlackMessages.format("cache_miss_ratio", 0.4)).isEqualTo("40.0%");
        assertThat(SlackMessages.format("cost_per_accepted", 0.0731)).isEqualTo("$0.07");
        assertThat(SlackMessages.format("latency_p95", 12_345)).isEqualTo("12,345 ms");
        assertThat(SlackMessages.format("tool_calls_per_call", 3.456)).isEqualTo("3.46");
    }

    @Test
    void withoutDashboardUrlThereIsNoLinkButton() {
        JsonNode message = new SlackMessages("").forAlert(Alerts.alert("task", "a", "retry_rate", AlertStatus.OPEN, 1.5));
        assertThat(message.get("blocks").findValues("type").stream().map(JsonNode::asText)).doesNotContain("actions", "button");
    }

    @Test
    void digestCountsEveryAlertAndListsTheFirstTwenty() {
        List<AnomalyAlert> storm = IntStream.range(0, 27)
                .mapToObj(i -> Alerts.alert("task", "t" + i, "cost_per_call", AlertStatus.OPEN, 1.5)).toList();
        JsonNode digest = new SlackMessages("").digest(storm);
        assertThat(digest.get("text").asText()).contains("27 alert updates in the last minute").contains("$335 cost impact");
        String list = digest.get("blocks").get(1).get("text").get("text").asText();
        assertThat(list.lines().filter(l -> l.startsWith("• new task=t"))).hasSize(20);
        assertThat(list).endsWith("… and 7 more");
    }
}
