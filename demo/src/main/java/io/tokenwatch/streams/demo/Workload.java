package io.tokenwatch.streams.demo;

import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.producer.AgentSession;
import io.tokenwatch.producer.Attribution;
import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.ModelPrice;
import io.tokenwatch.producer.PriceCatalog;
import io.tokenwatch.producer.TokenUsage;
import io.tokenwatch.streams.reconcile.ProviderUsage;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A modelled (not random-noise) stream of LLM calls: Poisson arrivals with daily seasonality per
 * task, log-normal token sizes, prompt caching, retries, tool calls, latency, agent sessions and
 * outcomes, changed by whatever incidents are active. Deterministic for a seed.
 */
final class Workload {
    /** A call to report and, unless abandoned, the outcome that follows it. */
    /** @param billed what the provider bills for it (with its provider, in its hour) */
    record PlannedCall(CallReport report, String callId, Instant at, Outcome outcome, Instant decidedAt, ProviderUsage billed) {
    }

    private static final PriceCatalog CATALOG = PriceCatalog.bundled();

    private final Random random;
    private final Random untrackedRandom;
    private final Map<String, AgentSession> sessions = new HashMap<>();
    private final Map<String, Integer> sessionCallsLeft = new HashMap<>();
    private final String callIdPrefix;
    private long sequence;

    /** {@code run} tells this run's call ids from those of earlier runs on the same topics (duplicates would be dead-lettered). */
    Workload(long seed, String run) {
        this.random = new Random(seed);
        this.untrackedRandom = new Random(seed + 1);
        this.callIdPrefix = "demo-" + run + "-";
    }

    /** Every call in event time [from, to), in time order, shaped by the active incidents. */
    List<PlannedCall> between(Instant from, Instant to, Set<Incident> active) {
        List<PlannedCall> calls = new ArrayList<>();
        double hours = (to.toEpochMilli() - from.toEpochMilli()) / 3_600_000.0;
        int utcHour = from.atZone(ZoneOffset.UTC).getHour();
        for (TaskProfile profile : TaskProfile.ALL) {
            int n = poisson(profile.callsPerHour(utcHour) * hours);
            for (int i = 0; i < n; i++) {
                calls.add(call(profile, uniform(from, to), active, false));
            }
            if (active.contains(Incident.SPEND_SPIKE) && profile.task().equals(Incident.SPEND_SPIKE.task)) {
                int extra = poisson(900 * hours); // the new feature's traffic
                for (int i = 0; i < extra; i++) {
                    calls.add(call(profile, uniform(from, to), active, true));
                }
            }
        }
        calls.sort(Comparator.comparing(PlannedCall::at));
        return calls;
    }

    private PlannedCall call(TaskProfile p, Instant at, Set<Incident> active, boolean newFeature) {
        boolean incident = active.stream().anyMatch(i -> i.task.equals(p.task()));
        Set<Incident> mine = incident ? EnumSet.copyOf(active.stream().filter(i -> i.task.equals(p.task())).toList()) : EnumSet.noneOf(Incident.class);
        long input = logNormal(p.meanInputTokens(), 0.25);
        if (mine.contains(Incident.CONTEXT_GROWTH)) {
            input = Math.round(input * 1.6);
        }
        String model = p.model();
        if (newFeature) {
            input = logNormal(40_000, 0.25);
            model = "claude-opus-4-1";
        }
        long output = logNormal(p.meanOutputTokens(), 0.35);
        double hit = mine.contains(Incident.CACHE_BREAK) ? 0.05 : clamp(p.cacheHitRatio() + random.nextGaussian() * 0.04);
        long cacheRead = Math.round(input * hit);
        long cacheWrite = Math.min(input - cacheRead, Math.round(input * (mine.contains(Incident.CACHE_BREAK) ? 0.6 : 0.08)));
        long reasoning = model.startsWith("gpt-5") || model.startsWith("o") ? Math.round(output * 0.3) : 0;
        double retryRate = mine.contains(Incident.RETRY_STORM) ? 0.45 : p.retryRate();
        int retries = random.nextDouble() < retryRate ? 1 + random.nextInt(2) : 0;
        long latency = Math.round(p.medianLatencyMs() * Math.exp(random.nextGaussian() * 0.15)) * (1 + retries);
        String callId = callIdPrefix + (++sequence);
        Attribution attribution = Attribution.NONE.withTeam(p.team()).withFeature(newFeature ? "auto-triage" : p.feature())
                .withAgent(p.agent()).withPromptVersion(mine.contains(Incident.CACHE_BREAK) ? "v8" : "v7").withEnvironment("prod")
                .withOwner("agent:" + p.agent()).withTag("route", p.task());
        CallReport report = CallReport.of(p.task(), model, new TokenUsage(input, output, cacheRead, cacheWrite, 0, reasoning))
                .callId(callId).timestamp(at).latencyMs(latency).retryCount(retries)
                .toolCalls(poisson(p.toolCallsPerCall())).stopReason("end_turn").session(session(p.task()))
                .attribution(attribution);
        Outcome outcome = outcome(p, mine.contains(Incident.REJECTION_SURGE));
        Instant decidedAt = outcome == null ? null : at.plusSeconds(60 + random.nextInt(600));
        String provider = CATALOG.find(model).map(ModelPrice::provider).orElse("other");
        ProviderUsage billed = new ProviderUsage(provider, model, at.truncatedTo(ChronoUnit.HOURS), input, output, cacheRead, cacheWrite, 1L);
        return new PlannedCall(report, callId, at, outcome, decidedAt, billed);
    }

    /**
     * The untracked-spend incident: a batch job calling gpt-5 with its own key, around producer-lib, about 60
     * calls an hour of 16k input (60 % cached) and 2.4k output tokens. Only its provider bills them. Drawn from
     * a random stream of its own, so the traffic Tokenwatch sees is the same with or without it.
     */
    List<ProviderUsage> untrackedBetween(Instant from, Instant to, Set<Incident> active) {
        if (!active.contains(Incident.UNTRACKED_SPEND)) {
            return List.of();
        }
        double expected = 60 * (to.toEpochMilli() - from.toEpochMilli()) / 3_600_000.0;
        int n = (int) Math.max(0, Math.round(expected + Math.sqrt(expected) * untrackedRandom.nextGaussian()));
        List<ProviderUsage> billed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Instant at = Instant.ofEpochMilli(from.toEpochMilli() + (long) (untrackedRandom.nextDouble() * (to.toEpochMilli() - from.toEpochMilli())));
            long input = 12_000 + untrackedRandom.nextInt(8_000);
            billed.add(new ProviderUsage("openai", Incident.UNTRACKED_MODEL, at.truncatedTo(ChronoUnit.HOURS), input, 2_000 + untrackedRandom.nextInt(800),
                    Math.round(input * 0.6), 0, 1L));
        }
        return billed;
    }

    private Outcome outcome(TaskProfile p, boolean surge) {
        double accept = surge ? 0.15 : p.acceptRate();
        double edit = surge ? 0.10 : p.editRate();
        double reject = surge ? 0.65 : p.rejectRate();
        double abandon = p.abandonRate();
        double r = random.nextDouble() * (accept + edit + reject + abandon + (surge ? 0.10 : 1 - accept - edit - reject - abandon));
        if (r < accept) {
            return Outcome.ACCEPTED;
        }
        if ((r -= accept) < edit) {
            return Outcome.EDITED;
        }
        if ((r -= edit) < reject) {
            return Outcome.REJECTED;
        }
        if ((r -= reject) < abandon) {
            return null;
        }
        return Outcome.ESCALATED;
    }

    private AgentSession session(String task) {
        int left = sessionCallsLeft.getOrDefault(task, 0);
        if (left <= 0) {
            sessions.put(task, new AgentSession(task + "-session-" + (++sequence)));
            left = 1 + poisson(6);
        }
        sessionCallsLeft.put(task, left - 1);
        return sessions.get(task);
    }

    private Instant uniform(Instant from, Instant to) {
        return Instant.ofEpochMilli(from.toEpochMilli() + (long) (random.nextDouble() * (to.toEpochMilli() - from.toEpochMilli())));
    }

    private long logNormal(long mean, double sigma) {
        // Median chosen so the mean is as given: mean = median * exp(sigma^2 / 2).
        return Math.max(1, Math.round(mean * Math.exp(random.nextGaussian() * sigma - sigma * sigma / 2)));
    }

    private int poisson(double lambda) {
        if (lambda > 50) {
            return Math.max(0, (int) Math.round(lambda + Math.sqrt(lambda) * random.nextGaussian()));
        }
        double l = Math.exp(-lambda);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= random.nextDouble();
        } while (p > l);
        return k - 1;
    }

    private static double clamp(double ratio) {
        return Math.max(0, Math.min(0.95, ratio));
    }
}
