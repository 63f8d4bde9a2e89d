package io.tokenwatch.streams.demo;

import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.BudgetPeriod;
import io.tokenwatch.streams.api.GroupSnapshot;
import io.tokenwatch.streams.budget.BudgetCalendar;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's budgets: a daily one on each task, 1.6 x what the task spent in the history's last day,
 * rounded up to whole dollars. An ordinary day stays well under it; the spend spike (about $600 an event
 * hour of a large model) runs its task's past 100 % within minutes of event time. Warned at 100 % only.
 * The 7-day history is too short for the forecast to alert (that needs a full week before the last
 * day), so the dashboard shows its projection and the spend warning catches the breach.
 */
final class DemoBudgets {
    static final double HEADROOM = 1.6;

    private DemoBudgets() {
    }

    static Map<String, Budget> daily(List<GroupSnapshot> groups, Instant now) {
        Map<String, Budget> budgets = new TreeMap<>();
        for (GroupSnapshot g : groups) {
            if (!g.dimension().equals("task") || g.cost24hUsd() <= 0) {
                continue;
            }
            Budget budget = Budget.newBuilder().setDimension("task").setGroup(g.group()).setPeriod(BudgetPeriod.DAY)
                    .setAmountUsd(Math.ceil(g.cost24hUsd() * HEADROOM)).setWarnAt(List.of(1.0)).setOwner("demo")
                    .setUpdatedAt(now).build();
            budgets.put(BudgetCalendar.budgetKey("task", g.group(), BudgetPeriod.DAY), budget);
        }
        return budgets;
    }
}
