package io.tokenwatch.streams.api;

import io.tokenwatch.events.v1.ReconciliationHour;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code /api/reconciliation}: per provider and model, the capture rate (captured over reported cost)
 * of each of the last days, and over them all, with the untracked spend and the latest hour's status.
 */
public record ReconciliationSummary(String provider, String model, double reportedUsd, double capturedUsd, Double captureRate,
                                    double untrackedUsd, String latestStatus, Instant latestHour, List<Day> days) {

    /** One UTC day of one model. */
    public record Day(LocalDate day, double reportedUsd, double capturedUsd, Double captureRate) {
    }

    /** The hours since {@code since}, grouped by provider and model, oldest day first. */
    public static List<ReconciliationSummary> of(List<ReconciliationHour> hours, Instant since) {
        Map<String, List<ReconciliationHour>> byModel = hours.stream().filter(h -> !h.getHourStart().isBefore(since))
                .collect(Collectors.groupingBy(h -> h.getProvider() + "|" + h.getModel(), TreeMap::new, Collectors.toList()));
        List<ReconciliationSummary> summaries = new ArrayList<>();
        byModel.forEach((key, list) -> {
            list.sort(Comparator.comparing(ReconciliationHour::getHourStart));
            Map<LocalDate, List<ReconciliationHour>> byDay = list.stream().collect(Collectors.groupingBy(
                    h -> h.getHourStart().atZone(ZoneOffset.UTC).toLocalDate(), TreeMap::new, Collectors.toList()));
            List<Day> days = new ArrayList<>();
            byDay.forEach((day, dayHours) -> days.add(new Day(day, reported(dayHours), captured(dayHours), rate(dayHours))));
            ReconciliationHour latest = list.get(list.size() - 1);
            summaries.add(new ReconciliationSummary(latest.getProvider(), latest.getModel(), reported(list), captured(list), rate(list),
                    list.stream().mapToDouble(h -> Math.max(0, h.getGapCostUsd())).sum(), latest.getStatus().name(), latest.getHourStart(), days));
        });
        return summaries;
    }

    private static double reported(List<ReconciliationHour> hours) {
        return hours.stream().mapToDouble(ReconciliationHour::getReportedCostUsd).sum();
    }

    private static double captured(List<ReconciliationHour> hours) {
        return hours.stream().mapToDouble(ReconciliationHour::getCapturedCostUsd).sum();
    }

    private static Double rate(List<ReconciliationHour> hours) {
        double reported = reported(hours);
        return reported > 0 ? captured(hours) / reported : null;
    }
}
