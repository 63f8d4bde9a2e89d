package io.tokenwatch.streams.cli;

import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.runtime.config.ConfigOptions;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.Preflight;
import io.tokenwatch.streams.app.BudgetTopic;
import io.tokenwatch.streams.budget.BudgetCalendar;
import io.tokenwatch.streams.config.PipelineSettings;
import io.tokenwatch.streams.notify.SlackSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** Spend budgets on the budgets topic: set, list, delete, or import a file of them. The running app picks changes up at once. */
@Command(name = "budget", mixinStandardHelpOptions = true, description = "Set, list, delete or import spend budgets (topic tokenwatch.topic.budgets).",
        subcommands = {BudgetCommand.SetBudget.class, BudgetCommand.ListBudgets.class, BudgetCommand.DeleteBudget.class, BudgetCommand.ImportBudgets.class})
public final class BudgetCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "say what to do: set, list, delete or import");
    }

    /** Which budget: a group of a dimension, and the calendar period the amount covers. */
    static final class Which {
        @Option(names = "--dimension", required = true, description = "Dimension of the group, e.g. team (one of tokenwatch.dimensions).")
        String dimension;

        @Option(names = "--group", required = true, description = "The group, e.g. platform.")
        String group;

        @Option(names = "--period", required = true, description = "day, week (from Monday) or month.")
        String period;

        String key() {
            return BudgetCalendar.budgetKey(dimension, group, BudgetFile.period(period));
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Set (or change) one budget.")
    static final class SetBudget implements Callable<Integer> {
        @Mixin
        ConfigOptions options;
        @Mixin
        Which which;
        @Option(names = "--usd", required = true, description = "Amount per period, USD.")
        double usd;
        @Option(names = "--time-zone", description = "IANA zone of the period's boundaries (default: UTC).")
        String timeZone;
        @Option(names = "--warn-at", split = ",", description = "Warning fractions (default: 0.5,0.8,1.0).")
        List<Double> warnAt;
        @Option(names = "--forecast-margin", description = "The forecast alerts at (1 + margin) x the amount (default: 0.1).")
        Double forecastMargin;
        @Option(names = "--owner", description = "Who answers for it.")
        String owner;
        @Option(names = "--slack-route", description = "Webhook name its alerts go to (default: the notifier's routes).")
        String slackRoute;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Budget budget = checked(spec, () -> BudgetFile.budget(which.dimension, which.group, BudgetFile.period(which.period), usd, timeZone, warnAt,
                    forecastMargin, owner, slackRoute, Instant.now()));
            TokenwatchConfig config = writable(options, spec);
            checked(spec, () -> requireServedRoutes(config, List.of(budget)));
            warnIfNotCounted(config, List.of(budget), spec.commandLine().getErr());
            BudgetTopic.write(config, Map.of(BudgetTopic.keyOf(budget), budget));
            spec.commandLine().getOut().println("Set " + describe(budget));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the budgets in force.")
    static final class ListBudgets implements Callable<Integer> {
        @Mixin
        ConfigOptions options;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            TokenwatchConfig config = options.load();
            Preflight.requireCluster(config);
            BudgetTopic.Budgets budgets = BudgetTopic.read(config);
            PrintWriter out = spec.commandLine().getOut();
            if (budgets.byKey().isEmpty()) {
                out.println("No budgets on " + config.budgetsTopic + ". Set one with: tokenwatch budget set --dimension team --group platform --period month --usd 5000");
            }
            budgets.byKey().values().forEach(b -> out.println(describe(b)));
            if (budgets.unreadable() > 0) {
                spec.commandLine().getErr().printf(Locale.ROOT, "%d record(s) of %s could not be read and are not listed%n", budgets.unreadable(), config.budgetsTopic);
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete one budget (its open alerts resolve).")
    static final class DeleteBudget implements Callable<Integer> {
        @Mixin
        ConfigOptions options;
        @Mixin
        Which which;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            String key = checked(spec, which::key);
            TokenwatchConfig config = writable(options, spec);
            if (!BudgetTopic.read(config).byKey().containsKey(key)) {
                spec.commandLine().getErr().println("No budget " + key + " on " + config.budgetsTopic + ": nothing to delete");
                return 1;
            }
            Map<String, Budget> tombstone = new HashMap<>();
            tombstone.put(key, null);
            BudgetTopic.write(config, tombstone);
            spec.commandLine().getOut().println("Deleted " + key);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true, description = "Set every budget of a YAML file (GitOps); with --prune, delete the others.")
    static final class ImportBudgets implements Callable<Integer> {
        @Mixin
        ConfigOptions options;
        @Parameters(index = "0", paramLabel = "FILE", description = "budgets.yaml: a 'budgets:' list of dimension, group, period, usd[, time_zone, warn_at, forecast_margin, owner, slack_route].")
        Path file;
        @Option(names = "--prune", description = "Delete budgets in force that the file does not list.")
        boolean prune;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Map<String, Budget> wanted = checked(spec, () -> BudgetFile.read(file, Instant.now()));
            TokenwatchConfig config = writable(options, spec);
            checked(spec, () -> requireServedRoutes(config, wanted.values()));
            warnIfNotCounted(config, wanted.values(), spec.commandLine().getErr());
            Map<String, Budget> current = BudgetTopic.read(config).byKey();
            Map<String, Budget> changes = new LinkedHashMap<>();
            int added = 0;
            int changed = 0;
            int unchanged = 0;
            for (Map.Entry<String, Budget> e : wanted.entrySet()) {
                Budget before = current.get(e.getKey());
                if (before != null && sameTerms(before, e.getValue())) {
                    unchanged++;
                    continue;
                }
                changes.put(e.getKey(), e.getValue());
                if (before == null) {
                    added++;
                } else {
                    changed++;
                }
            }
            Set<String> stale = prune ? current.keySet().stream().filter(k -> !wanted.containsKey(k)).collect(Collectors.toSet()) : Set.of();
            stale.forEach(k -> changes.put(k, null));
            BudgetTopic.write(config, changes);
            spec.commandLine().getOut().printf(Locale.ROOT, "Imported %s: %d new, %d changed, %d unchanged, %d deleted%s%n", file, added, changed, unchanged,
                    stale.size(), prune || current.size() == wanted.size() - added ? ""
                            : " (budgets in force but not in the file are kept; --prune deletes them)");
            return 0;
        }

        /** The same budget apart from when it was set: importing the same file twice writes nothing. */
        private static boolean sameTerms(Budget a, Budget b) {
            return Budget.newBuilder(a).setUpdatedAt(Instant.EPOCH).build().equals(Budget.newBuilder(b).setUpdatedAt(Instant.EPOCH).build());
        }
    }

    private interface Check<T> {
        T get();
    }

    /** A problem with what the user typed is a usage error (exit 2) naming it, before anything is contacted. */
    private static <T> T checked(CommandSpec spec, Check<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The configuration, with Kafka and the registry answering and the budgets topic there (compacted). */
    private static TokenwatchConfig writable(ConfigOptions options, CommandSpec spec) {
        TokenwatchConfig config = options.load();
        Preflight.requireCluster(config, List.of(config.budgetsTopic));
        return config;
    }

    /** A budget's Slack route must name a webhook the notifier has (its environment or webhooks file, as configured here). */
    private static Void requireServedRoutes(TokenwatchConfig config, Collection<Budget> budgets) {
        Set<String> served = SlackSettings.of(config).webhookUrls(System.getenv()).keySet();
        for (Budget b : budgets) {
            if (b.getSlackRoute() != null && !served.contains(b.getSlackRoute())) {
                throw new IllegalArgumentException("slack_route '" + b.getSlackRoute() + "' of " + BudgetTopic.keyOf(b) + " names no configured webhook"
                        + (served.isEmpty() ? " (none is)" : " (configured: " + String.join(", ", served) + ")") + ": set "
                        + SlackSettings.webhookEnvVariable(b.getSlackRoute()) + " or add it to tokenwatch.slack.webhooks.file");
            }
        }
        return null;
    }

    /** Spend is counted only for the dimensions the app keeps groups of. */
    private static void warnIfNotCounted(TokenwatchConfig config, Collection<Budget> budgets, PrintWriter err) {
        List<String> dimensions = PipelineSettings.of(config).dimensions;
        budgets.stream().map(Budget::getDimension).distinct().filter(d -> !dimensions.contains(d)).forEach(d -> err.println(
                "Note: '" + d + "' is not in tokenwatch.dimensions (" + String.join(",", dimensions)
                        + "): its budgets count no spend until the app keeps that dimension"));
    }

    static String describe(Budget b) {
        return String.format(Locale.ROOT, "%s: $%,.2f a %s (%s), warn at %s, forecast margin %.0f%%%s%s", BudgetTopic.keyOf(b), b.getAmountUsd(),
                b.getPeriod().name().toLowerCase(Locale.ROOT), b.getTimeZone(),
                b.getWarnAt().stream().map(f -> String.format(Locale.ROOT, "%.0f%%", f * 100)).collect(Collectors.joining(" ")),
                b.getForecastMargin() * 100, b.getOwner() == null ? "" : ", owner " + b.getOwner(),
                b.getSlackRoute() == null ? "" : ", Slack " + b.getSlackRoute());
    }
}
