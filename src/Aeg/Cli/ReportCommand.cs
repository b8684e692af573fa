using System.CommandLine;
using System.Globalization;
using Aeg.Analytics;
using Aeg.Configuration;
using Aeg.Daemon;

namespace Aeg.Cli;

/// <summary><c>aeg report</c>: analyst metrics of a period as a table, CSV or JSON, and optionally a self-contained HTML page.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var from = new Option<string>("--from") { Description = "Start of the period (ISO 8601, UTC unless an offset is given); default 30 days before --to." };
        var to = new Option<string>("--to") { Description = "End of the period, exclusive (ISO 8601); default now." };
        var format = new Option<string>("--format") { Description = "table, csv or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var html = new Option<FileInfo>("--html") { Description = "Also write a self-contained HTML page with charts to this file." };
        var stageTimes = new Option<bool>("--stage-times") { Description = "Also the time in each stage (reads every transition of the period's events: slower on a big history)." };
        var oldest = new Option<int>("--oldest")
        {
            Description = "How many of the oldest open and oldest untouched events the backlog lists.",
            DefaultValueFactory = _ => ManagementReport.DefaultListSize,
        };
        oldest.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 1000)
            {
                r.AddError("--oldest must be 0–1000");
            }
        });
        var command = new Command("report", "Analyst metrics (time to respond, review, close) per analyst for a period.") { config, from, to, format, html, stageTimes, oldest, AnnotationCommandOptions.Debug() };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!AnnotationCommandOptions.TryLoad(parse, config, error, out var options))
            {
                return AnnotationCommandOptions.ExitConfig;
            }
            if (!TryParseTime(parse.GetValue(to), DateTimeOffset.UtcNow, out var end))
            {
                error.WriteLine($"--to: '{parse.GetValue(to)}' is not an ISO 8601 time such as 2026-11-01 or 2026-11-01T08:00:00Z");
                return AnnotationCommandOptions.ExitConfig;
            }
            if (!TryParseTime(parse.GetValue(from), end.AddDays(-30), out var start))
            {
                error.WriteLine($"--from: '{parse.GetValue(from)}' is not an ISO 8601 time such as 2026-11-01 or 2026-11-01T08:00:00Z");
                return AnnotationCommandOptions.ExitConfig;
            }
            if (start >= end)
            {
                error.WriteLine("--from must be before --to");
                return AnnotationCommandOptions.ExitConfig;
            }
            var path = options.Analytics.DatabaseFile(options.State.Directory);
            // A report must not create state: without a history there is nothing to report.
            if (!File.Exists(path))
            {
                error.WriteLine($"No analytics history at {path} yet; the report is empty.");
            }
            var store = File.Exists(path) ? new AnalyticsStore(path) : null;
            // A big history takes a while to read: on a terminal a line says how far it is; never in a redirected stderr.
            var progress = store is not null && !Console.IsErrorRedirected
                ? new ReportProgress(error, store.CountInPeriod(start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds()))
                : null;
            var report = AnalystReport.Build(store, start, end, progress, parse.GetValue(stageTimes), options.Analytics, parse.GetValue(oldest));
            progress?.Finish();
            output.Write(parse.GetValue(format) switch
            {
                "json" => ReportText.ToJson(report) + Environment.NewLine,
                "csv" => ReportText.ToCsv(report),
                _ => ReportText.ToTable(report),
            });
            if (parse.GetValue(html) is { } file)
            {
                File.WriteAllText(file.FullName, ReportHtml.Render(report));
                error.WriteLine($"Wrote {file.FullName}");
            }
            return AnnotationCommandOptions.ExitOk;
        });
        return command;
    }

    private static bool TryParseTime(string? text, DateTimeOffset fallback, out DateTimeOffset time)
    {
        time = fallback;
        return string.IsNullOrWhiteSpace(text)
            || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }
}
