using System.Text;
using Aeg.Cef;

namespace Aeg.Rules;

/// <summary>
/// What <c>aeg rules test</c> prints for one event: the parse result, each rule's verdict (or
/// the first condition that failed), and for matches the dedupe key and every rendered field.
/// </summary>
public static class RuleTestReport
{
    /// <summary>Writes the report for <paramref name="frame"/>; returns how many rules matched.</summary>
    public static int Write(TextWriter output, RuleMatcher matcher, ReadOnlySpan<byte> frame, string missingValue, int number)
    {
        var text = Encoding.UTF8.GetString(frame);
        output.WriteLine($"Event {number}: {Shorten(text)}");
        var outcomes = matcher.Explain(frame, out var error);
        if (error != CefError.None)
        {
            var reader = new CefReader(frame);
            while (reader.ReadNextExtension())
            {
            }
            output.WriteLine($"  not valid CEF: {error} at byte {reader.ErrorPosition}; no rule is tried (the listener counts it as rejected)");
            output.WriteLine();
            return 0;
        }
        if (outcomes.Length == 0)
        {
            output.WriteLine("  no rules are loaded");
        }
        var cefEvent = CefEvent.Parse(frame);
        var matched = 0;
        foreach (var outcome in outcomes)
        {
            var rule = outcome.Rule;
            if (!outcome.Matched)
            {
                output.WriteLine($"  rule {rule.Name}: no match, failed {rule.Conditions[outcome.FailedCondition].Description}");
                continue;
            }
            matched++;
            output.WriteLine($"  rule {rule.Name}: MATCH ({Path.GetFileName(rule.SourceFile)})");
            var works = CefRuleHandler.Render(rule, cefEvent, missingValue, DateTimeOffset.UtcNow).ToList();
            output.WriteLine($"    dedupe key: {works[0].DedupeKey}");
            for (var a = 0; a < works.Count; a++)
            {
                output.WriteLine($"    action {a + 1}: target {works[a].Target}");
                WriteFields(output, "create (no ticket for the key yet)", works[a].OnCreate);
                WriteFields(output, "update (a ticket exists for the key)", works[a].OnUpdate);
            }
        }
        output.WriteLine();
        return matched;
    }

    private static void WriteFields(TextWriter output, string title, IReadOnlyDictionary<string, string>? fields)
    {
        if (fields is null)
        {
            output.WriteLine($"      {title.Split(' ')[0]}: none");
            return;
        }
        output.WriteLine($"      {title}:");
        foreach (var (name, value) in fields)
        {
            var lines = value.Split('\n');
            output.WriteLine($"        {name}: {lines[0]}");
            foreach (var line in lines.Skip(1))
            {
                output.WriteLine($"        {new string(' ', name.Length)}| {line}");
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..157] + "...";
}
