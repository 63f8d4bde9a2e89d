package io.tokenwatch.streams.cli;

import io.tokenwatch.runtime.config.ConfigOptions;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.HttpPort;
import io.tokenwatch.runtime.kafka.Preflight;
import io.tokenwatch.streams.notify.SlackNotifier;
import io.tokenwatch.streams.notify.SlackPoster;
import io.tokenwatch.streams.notify.SlackSettings;
import io.tokenwatch.streams.notify.SlackWebhookClient;
import io.tokenwatch.streams.notify.Webhooks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** Posts alerts to Slack until SIGTERM / Ctrl-C; with {@code --dry-run}, prints them and exits. */
@Command(name = "notify-slack", mixinStandardHelpOptions = true,
        description = {"Post alerts from the alerts topic to Slack incoming webhooks (own consumer group).",
                "Serves /health/live, /health/ready and /metrics on tokenwatch.http.port.",
                "Webhooks: TOKENWATCH_SLACK_WEBHOOK_DEFAULT, TOKENWATCH_SLACK_WEBHOOK_<NAME>, or tokenwatch.slack.webhooks.file.",
                "Routes: tokenwatch.slack.routes=team=platform:platform,task=*:tasks"})
public final class NotifySlackCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--dry-run", description = "Print the Slack messages the alerts would produce (from the beginning of the topic, skipping already posted ones) and exit; posts and commits nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TokenwatchConfig config = options.load();
        Preflight.requireCluster(config);
        SlackPoster poster;
        if (dryRun) {
            PrintWriter out = spec.commandLine().getOut();
            poster = (webhook, message) -> {
                out.println("--- to webhook '" + webhook + "' ---");
                out.println(message.toPrettyString());
                out.flush();
                return SlackPoster.Result.delivered();
            };
        } else {
            SlackSettings slack = SlackSettings.of(config);
            poster = new SlackWebhookClient(Webhooks.load(slack, System.getenv()), slack.timeout());
        }
        SlackNotifier notifier = new SlackNotifier(config, poster, dryRun);
        if (dryRun) {
            notifier.run();
            Map<String, Long> counts = notifier.counts();
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "Dry run over %s: %d messages would be posted (%d alerts, %d digests), %d already posted, %d would be dead-lettered%s%n",
                    config.alertsTopic, counts.get("messages"), counts.get("alerts"), counts.get("digests"), counts.get("already_posted"),
                    counts.get("dead_lettered"), notifier.deadLetteredByReason().isEmpty() ? "" : " " + notifier.deadLetteredByReason());
            out.flush();
            return 0;
        }
        try (HttpPort http = notifier.serveHealthAndMetrics(config.httpPort)) {
            Runtime.getRuntime().addShutdownHook(new Thread(notifier::close, "tokenwatch-notifier-shutdown"));
            notifier.run();
        }
        return notifier.state() == SlackNotifier.State.FAILED ? 1 : 0;
    }
}
