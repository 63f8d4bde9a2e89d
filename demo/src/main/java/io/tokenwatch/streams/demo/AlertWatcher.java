package io.tokenwatch.streams.demo;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.OutputTopicConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the alerts and window-stats topics (read_committed) while the demo runs: prints each alert as
 * it fires, keeps the latest window of each task for the footprint summary, and feeds the scorecard.
 */
final class AlertWatcher implements Runnable {
    private static final String RESET = "\u001b[0m";
    private static final String RED = "\u001b[31;1m";
    private static final String YELLOW = "\u001b[33;1m";
    private static final String GREEN = "\u001b[32m";

    private final KafkaConsumer<String, Object> consumer;
    private final TokenwatchConfig config;
    private final Scorecard scorecard;
    private final PrintStream out;
    private final boolean colour;
    private final Map<String, GroupWindowStats> latestTaskWindow = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    AlertWatcher(TokenwatchConfig config, Scorecard scorecard, PrintStream out, boolean colour) {
        Map<String, Object> props = new HashMap<>(config.kafkaProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "tokenwatch-demo-console");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        this.consumer = OutputTopicConsumer.create(props);
        this.config = config;
        this.scorecard = scorecard;
        this.out = out;
        this.colour = colour;
    }

    /** Subscribes and waits until partitions are assigned, so no alert of the live phase is missed. */
    void subscribe() {
        consumer.subscribe(List.of(config.alertsTopic, config.statsTopic));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100));
        }
        consumer.seekToEnd(consumer.assignment());
        consumer.assignment().forEach(consumer::position);
    }

    @Override
    public void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.value() instanceof AnomalyAlert alert) {
                        print(alert, scorecard.observe(alert, System.currentTimeMillis()));
                    } else if (record.value() instanceof GroupWindowStats stats && stats.getDimension().equals("task")) {
                        latestTaskWindow.merge(stats.getGroup(), stats,
                                (old, now) -> now.getWindowStart().isBefore(old.getWindowStart()) ? old : now);
                    }
                }
            }
        } catch (WakeupException stopping) {
            // close() interrupts the poll
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }

    private void print(AnomalyAlert a, Optional<Incident> incident) {
        String status = switch (a.getStatus()) {
            case OPEN -> paint(RED, "ALERT    ");
            case ESCALATED -> paint(YELLOW, "ESCALATED");
            case RESOLVED -> paint(GREEN, "RESOLVED ");
        };
        String contributors = a.getTopContributors().stream().limit(2)
                .map(c -> c.getKind() + "=" + c.getValue() + String.format(Locale.ROOT, " (%.0f%%)", c.getShare() * 100)).toList().toString();
        if (a.getMetric().equals("capture_gap")) {
            out.printf(Locale.ROOT, "%s %s %s: $%,.2f billed, $%,.2f reached Tokenwatch (%.0f%%) in the hour from %s%s%n", status, a.getGroup(),
                    a.getMetric(), a.getBaseline(), a.getObserved(), a.getRatio() * 100, a.getWindowStart().toString().substring(0, 16) + "Z",
                    incident.map(i -> "  [incident: " + i.id() + "]").orElse(a.getStatus() == AlertStatus.OPEN ? "  [no incident]" : ""));
            return;
        }
        if (a.getBudget() != null) {
            out.printf(Locale.ROOT, "%s %s=%s %s $%,.2f of its %s budget $%,.2f (%.0f%%, %s from %s, %d calls) top %s%s%n",
                    status, a.getDimension(), a.getGroup(), a.getMetric(), a.getObserved(), a.getBudget().getPeriod(), a.getBaseline(),
                    a.getRatio() * 100, a.getBudget().getPeriod(), a.getWindowStart().toString().substring(0, 16) + "Z", a.getWindowCalls(), contributors,
                    incident.map(i -> "  [incident: " + i.id() + "]").orElse(a.getStatus() == AlertStatus.OPEN ? "  [no incident]" : ""));
            return;
        }
        out.printf(Locale.ROOT, "%s %s=%s %s %s vs 7-day %s (%.2fx, window %s, %d calls) impact $%.2f top %s%s%n",
                status, a.getDimension(), a.getGroup(), a.getMetric(), format(a.getObserved()), format(a.getBaseline()), a.getRatio(),
                a.getWindowStart().toString().substring(11, 16) + "Z", a.getWindowCalls(), a.getCostImpactUsd(), contributors,
                incident.map(i -> "  [incident: " + i.id() + "]").orElse(a.getStatus() == AlertStatus.OPEN ? "  [no incident]" : ""));
    }

    /** One line per task: the current window as the pipeline sees it. */
    void printFootprint() {
        Map<String, GroupWindowStats> sorted = new TreeMap<>(latestTaskWindow);
        if (sorted.isEmpty()) {
            return;
        }
        out.println("footprint (current window per task): calls  cost     tokens/call  cache-hit  retry  accept");
        sorted.forEach((task, s) -> out.printf(Locale.ROOT, "  %-17s %5d  $%7.2f  %11.0f  %8.0f%%  %4.0f%%  %5s%n",
                task, s.getCalls(), s.getCostUsd().doubleValue(), orZero(s.getTokensPerCall()), orZero(s.getCacheHitRatio()) * 100,
                orZero(s.getRetryRate()) * 100, s.getAcceptanceRate() == null ? "-" : String.format(Locale.ROOT, "%.0f%%", s.getAcceptanceRate() * 100)));
    }

    private String paint(String ansi, String text) {
        return colour ? ansi + text + RESET : text;
    }

    private static double orZero(Double d) {
        return d == null ? 0 : d;
    }

    private static String format(double value) {
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
                : Math.abs(value) >= 1 ? String.format(Locale.ROOT, "%.2f", value) : String.format(Locale.ROOT, "%.4f", value);
    }
}
