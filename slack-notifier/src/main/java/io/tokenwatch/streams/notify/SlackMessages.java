package io.tokenwatch.streams.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.BudgetState;
import io.tokenwatch.events.v1.Contributor;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Slack Block Kit messages for alert updates: one message per alert (new, escalated, resolved) and
 * one digest for a storm. Every message has a plain {@code text} too, which Slack shows in
 * notifications and clients without blocks.
 */
public final class SlackMessages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CAPTURE_GAP = "capture_gap";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    /** Lines a digest lists before "and N more": keeps it under Slack's 50-block and 3,000-character section limits. */
    static final int DIGEST_LINES = 20;

    private final String dashboardUrl;

    /** @param dashboardUrl base URL of the dashboard, empty for no links */
    public SlackMessages(String dashboardUrl) {
        this.dashboardUrl = dashboardUrl.endsWith("/") ? dashboardUrl.substring(0, dashboardUrl.length() - 1) : dashboardUrl;
    }

    public ObjectNode forAlert(AnomalyAlert alert) {
        if (alert.getBudget() != null) {
            return forBudget(alert, alert.getBudget());
        }
        if (alert.getMetric().equals(CAPTURE_GAP)) {
            return forCaptureGap(alert);
        }
        String headline = headline(alert);
        ObjectNode message = JSON.createObjectNode();
        ArrayNode blocks = headed(message, headline, headline);
        ArrayNode fields = section(blocks).putArray("fields");
        field(fields, "*Observed vs 7-day baseline*\n" + format(alert.getMetric(), alert.getObserved()) + " vs "
                + format(alert.getMetric(), alert.getBaseline()) + " (" + String.format(Locale.ROOT, "%.2f", alert.getRatio()) + "x)");
        field(fields, "*Window*\n" + TIME.format(alert.getWindowStart()) + " – " + HOUR.format(alert.getWindowEnd()));
        field(fields, "*Sample*\n" + count(alert.getWindowCalls()) + " calls in window, " + count(alert.getBaselineCalls())
                + " in baseline (" + alert.getBaselineHours() + " h)");
        field(fields, "*Cost impact*\n" + usd(alert.getCostImpactUsd()) + " above baseline");
        if (!alert.getTopContributors().isEmpty()) {
            StringBuilder lines = new StringBuilder("*Top contributors*");
            for (Contributor c : alert.getTopContributors()) {
                lines.append("\n• ").append(c.getKind()).append(" `").append(escape(c.getValue())).append("` ").append(usd(c.getCostUsd()))
                        .append(" (").append(Math.round(c.getShare() * 100)).append("%)");
            }
            section(blocks).putObject("text").put("type", "mrkdwn").put("text", lines.toString());
        }
        ObjectNode context = blocks.addObject().put("type", "context");
        context.putArray("elements").addObject().put("type", "mrkdwn").put("text", "alert `" + escape(alert.getAlertId())
                + "` · threshold +" + Math.round(alert.getThreshold() * 100) + "% · opened " + TIME.format(alert.getOpenedAt()));
        if (!dashboardUrl.isEmpty()) {
            ObjectNode actions = blocks.addObject().put("type", "actions");
            ObjectNode button = actions.putArray("elements").addObject().put("type", "button");
            button.putObject("text").put("type", "plain_text").put("text", "Open in dashboard");
            button.put("url", groupLink(alert));
        }
        return message;
    }

    /** The reconciliation's alert: what the provider billed against what reached Tokenwatch, in one hour. */
    private ObjectNode forCaptureGap(AnomalyAlert alert) {
        String headline = captureGapHeadline(alert);
        ObjectNode message = JSON.createObjectNode();
        ArrayNode blocks = headed(message, headline, headline);
        ArrayNode fields = section(blocks).putArray("fields");
        field(fields, "*Billed vs captured*\n" + usd(alert.getBaseline()) + " vs " + usd(alert.getObserved()) + " (" + percent(alert.getRatio()) + " captured)");
        field(fields, "*Hour*\n" + TIME.format(alert.getWindowStart()) + " – " + HOUR.format(alert.getWindowEnd()));
        field(fields, "*Calls captured*\n" + count(alert.getWindowCalls()) + (alert.getBaselineCalls() > 0 ? " of " + count(alert.getBaselineCalls()) + " billed" : ""));
        blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", "from `tokenwatch reconcile` · alert `" + escape(alert.getAlertId()) + "` · tolerance ±" + Math.round(alert.getThreshold() * 100) + "%");
        return message;
    }

    static String captureGapHeadline(AnomalyAlert alert) {
        String model = alert.getGroup();
        if (alert.getStatus() == AlertStatus.RESOLVED) {
            return ":white_check_mark: " + model + " is fully captured again: what the provider billed reached Tokenwatch";
        }
        if (alert.getObserved() == 0) {
            return ":mag: " + model + " is billed (" + usd(alert.getBaseline()) + " in an hour) but Tokenwatch has never seen it: a service calls it without producer-lib";
        }
        if (alert.getRatio() > 1) {
            return ":mag: " + model + " counted twice: Tokenwatch captured " + usd(alert.getObserved()) + " of " + usd(alert.getBaseline()) + " billed in an hour";
        }
        return ":mag: " + usd(alert.getCostImpactUsd()) + " of " + model + " spend in an hour never reached Tokenwatch (" + percent(alert.getRatio()) + " captured)";
    }

    /** A budget warning or forecast: the budget, its spend, the fraction crossed or the projection, and when the period ends. */
    private ObjectNode forBudget(AnomalyAlert alert, BudgetState budget) {
        String headline = budgetHeadline(alert, budget);
        ObjectNode message = JSON.createObjectNode();
        ArrayNode blocks = headed(message, headline, headline);
        ArrayNode fields = section(blocks).putArray("fields");
        field(fields, "*Spent this " + budget.getPeriod() + "*\n" + usd(budget.getSpentUsd()) + " of " + usd(budget.getAmountUsd())
                + " (" + percent(budget.getSpentUsd() / budget.getAmountUsd()) + ")");
        field(fields, "*Period*\n" + TIME.format(budget.getPeriodStart()) + " – " + TIME.format(budget.getPeriodEnd())
                + (budget.getTimeZone().equals("UTC") ? "" : " (" + budget.getTimeZone() + " " + budget.getPeriod() + ")"));
        if (budget.getProjectedUsd() != null) {
            field(fields, "*Projected by period end*\n" + usd(budget.getProjectedUsd()) + " (" + percent(budget.getProjectedUsd() / budget.getAmountUsd())
                    + ")" + (budget.getExhaustedAt() == null ? "" : ", runs out " + TIME.format(budget.getExhaustedAt())));
        }
        if (budget.getOwner() != null) {
            field(fields, "*Owner*\n" + escape(budget.getOwner()));
        }
        if (!alert.getTopContributors().isEmpty()) {
            StringBuilder lines = new StringBuilder("*Top contributors this hour*");
            for (Contributor c : alert.getTopContributors()) {
                lines.append("\n• ").append(c.getKind()).append(" `").append(escape(c.getValue())).append("` ").append(usd(c.getCostUsd()));
            }
            section(blocks).putObject("text").put("type", "mrkdwn").put("text", lines.toString());
        }
        blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", "budget `" + escape(budget.getBudgetKey()) + "` · alert `" + escape(alert.getAlertId()) + "`");
        return message;
    }

    static String budgetHeadline(AnomalyAlert alert, BudgetState budget) {
        String who = alert.getDimension() + "=" + alert.getGroup();
        String amount = usd(budget.getAmountUsd()) + " " + switch (budget.getPeriod()) {
            case "day" -> "daily";
            case "week" -> "weekly";
            default -> "monthly";
        } + " budget";
        if (alert.getStatus() == AlertStatus.RESOLVED) {
            String why = switch (String.valueOf(alert.getResolvedReason())) {
                case "period-ended" -> "the " + budget.getPeriod() + " ended at " + usd(budget.getSpentUsd());
                case "budget-removed" -> "the budget was removed";
                default -> "the projection is back under the amount";
            };
            return ":white_check_mark: Budget " + (alert.getMetric().equals("budget_forecast") ? "forecast" : "warning") + " over for " + who
                    + " (" + amount + "): " + why;
        }
        if (alert.getMetric().equals("budget_forecast")) {
            return ":crystal_ball: At this pace " + who + " spends " + usd(budget.getProjectedUsd() == null ? alert.getObserved() : budget.getProjectedUsd())
                    + " of its " + amount + (budget.getExhaustedAt() == null ? "" : "; the money runs out " + TIME.format(budget.getExhaustedAt()));
        }
        return ":money_with_wings: " + who + " has spent " + percent(budget.getWarningFraction() == null ? alert.getRatio() : budget.getWarningFraction())
                + " of its " + amount + " (" + usd(budget.getSpentUsd()) + "); the " + budget.getPeriod() + " ends " + TIME.format(budget.getPeriodEnd());
    }

    private static String percent(double share) {
        return Math.round(share * 100) + "%";
    }

    /**
     * Gives {@code message} its notification text and a header block (Slack cuts headers at 150 characters); returns its blocks.
     * The text is read as mrkdwn, so it is escaped: a group named {@code <!channel>} must not page a whole channel.
     */
    private static ArrayNode headed(ObjectNode message, String text, String header) {
        message.put("text", escape(text));
        ArrayNode blocks = message.putArray("blocks");
        blocks.addObject().put("type", "header").putObject("text").put("type", "plain_text").put("text", truncate(header, 150));
        return blocks;
    }

    /** One message standing for many alerts to the same webhook within a minute. */
    public ObjectNode digest(List<AnomalyAlert> alerts) {
        double impact = alerts.stream().mapToDouble(AnomalyAlert::getCostImpactUsd).sum();
        String headline = ":rotating_light: " + alerts.size() + " alert updates in the last minute (digest), " + usd(impact) + " cost impact";
        ObjectNode message = JSON.createObjectNode();
        ArrayNode blocks = headed(message, headline, alerts.size() + " alert updates in the last minute");
        StringBuilder lines = new StringBuilder();
        alerts.stream().limit(DIGEST_LINES).forEach(a -> lines.append(lines.isEmpty() ? "" : "\n").append("• ").append(statusWord(a)).append(' ')
                .append(escape(a.getDimension())).append('=').append(escape(a.getGroup())).append(" `").append(a.getMetric()).append("` ")
                .append(String.format(Locale.ROOT, "%.2f", a.getRatio())).append("x, ").append(usd(a.getCostImpactUsd())));
        if (alerts.size() > DIGEST_LINES) {
            lines.append("\n… and ").append(alerts.size() - DIGEST_LINES).append(" more");
        }
        section(blocks).putObject("text").put("type", "mrkdwn").put("text", lines.toString());
        blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", "Sent as one digest because more alerts than the storm limit arrived within a minute."
                        + (dashboardUrl.isEmpty() ? "" : " <" + dashboardUrl + "/|Open the dashboard>"));
        return message;
    }

    static String headline(AnomalyAlert alert) {
        String subject = alert.getMetric() + " " + (alert.getStatus() == AlertStatus.RESOLVED ? "back to normal" : "up "
                + Math.round((alert.getRatio() - 1) * 100) + "%") + " for " + alert.getDimension() + "=" + alert.getGroup();
        return switch (alert.getStatus()) {
            case OPEN -> ":rotating_light: New alert: " + subject;
            case ESCALATED -> ":arrow_double_up: Escalated (now ≥ " + String.format(Locale.ROOT, "%.1f", alert.getSeverityStep())
                    + "x, already posted " + TIME.format(alert.getOpenedAt()) + "): " + subject;
            case RESOLVED -> ":white_check_mark: Resolved: " + subject;
        };
    }

    private static String statusWord(AnomalyAlert alert) {
        return switch (alert.getStatus()) {
            case OPEN -> "new";
            case ESCALATED -> "escalated";
            case RESOLVED -> "resolved";
        };
    }

    private String groupLink(AnomalyAlert alert) {
        return dashboardUrl + "/#group=" + URLEncoder.encode(alert.getDimension(), StandardCharsets.UTF_8) + "/"
                + URLEncoder.encode(alert.getGroup(), StandardCharsets.UTF_8);
    }

    private static ObjectNode section(ArrayNode blocks) {
        return blocks.addObject().put("type", "section");
    }

    private static void field(ArrayNode fields, String text) {
        fields.addObject().put("type", "mrkdwn").put("text", text);
    }

    /** Units follow the metric's name: shares as percent, costs in USD, latency in ms, else plain numbers. */
    static String format(String metric, double value) {
        if (metric.endsWith("_rate") || metric.endsWith("_ratio")) {
            return String.format(Locale.ROOT, "%.1f%%", value * 100);
        }
        if (metric.startsWith("cost")) {
            return usd(value);
        }
        if (metric.startsWith("latency")) {
            return String.format(Locale.ROOT, "%,.0f ms", value);
        }
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

    static String usd(double value) {
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "$%,.0f", value) : String.format(Locale.ROOT, "$%.2f", value);
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Slack mrkdwn control characters in user-supplied names. */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

}
