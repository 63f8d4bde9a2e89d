package io.tokenwatch.streams.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.BudgetPeriod;
import io.tokenwatch.streams.app.BudgetTopic;
import io.tokenwatch.streams.budget.BudgetValidation;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A budgets file for GitOps ({@code tokenwatch budget import budgets.yaml}):
 * <pre>
 * budgets:
 *   - dimension: team
 *     group: platform
 *     period: month          # day, week or month
 *     usd: 5000
 *     time_zone: Europe/Berlin   # optional, UTC by default
 *     warn_at: [0.5, 0.8, 1.0]   # optional, these by default
 *     forecast_margin: 0.1       # optional
 *     owner: "@platform-lead"    # optional
 *     slack_route: finops        # optional: a webhook name of the notifier
 * </pre>
 * Every entry is checked before anything is written; a key given twice is refused.
 */
public final class BudgetFile {
    static final List<Double> DEFAULT_WARN_AT = List.of(0.5, 0.8, 1.0);
    static final double DEFAULT_FORECAST_MARGIN = 0.1;

    /** One entry as written in the file. */
    record Entry(String dimension, String group, String period, Double usd, String timeZone, List<Double> warnAt, Double forecastMargin,
                 String owner, String slackRoute) {
    }

    private record Document(List<Entry> budgets) {
    }

    private BudgetFile() {
    }

    /** The file's budgets by key, or an exception naming the entry and its problem. */
    public static Map<String, Budget> read(Path file, Instant now) {
        Document document;
        try {
            document = new YAMLMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(file.toFile(), Document.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(file + ": " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read it (" + e.getMessage() + ")", e);
        }
        if (document == null || document.budgets() == null) {
            throw new IllegalArgumentException(file + ": no 'budgets:' list");
        }
        Map<String, Budget> budgets = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < document.budgets().size(); i++) {
            Entry e = document.budgets().get(i);
            String where = "budgets[" + i + "]";
            try {
                Budget budget = budget(e.dimension(), e.group(), period(e.period()), e.usd(), e.timeZone(), e.warnAt(), e.forecastMargin(),
                        e.owner(), e.slackRoute(), now);
                String key = BudgetTopic.keyOf(budget);
                if (budgets.put(key, budget) != null) {
                    problems.add(where + ": " + key + " is given twice");
                }
            } catch (IllegalArgumentException ex) {
                problems.add(where + ": " + ex.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        }
        return budgets;
    }

    /** A checked budget from the command line's or a file's values (nulls take the defaults). */
    static Budget budget(String dimension, String group, BudgetPeriod period, Double usd, String timeZone, List<Double> warnAt,
                         Double forecastMargin, String owner, String slackRoute, Instant now) {
        if (dimension == null || group == null || usd == null) {
            throw new IllegalArgumentException("dimension, group, period and usd are required");
        }
        Budget budget = Budget.newBuilder().setDimension(dimension).setGroup(group).setPeriod(period).setAmountUsd(usd)
                .setTimeZone(timeZone == null ? "UTC" : timeZone).setWarnAt(warnAt == null ? DEFAULT_WARN_AT : List.copyOf(warnAt))
                .setForecastMargin(forecastMargin == null ? DEFAULT_FORECAST_MARGIN : forecastMargin)
                .setOwner(owner).setSlackRoute(slackRoute).setUpdatedAt(now).build();
        String problem = BudgetValidation.problem(budget);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return budget;
    }

    static BudgetPeriod period(String name) {
        if (name == null) {
            throw new IllegalArgumentException("dimension, group, period and usd are required");
        }
        try {
            return BudgetPeriod.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("period '" + name + "' is not day, week or month");
        }
    }
}
