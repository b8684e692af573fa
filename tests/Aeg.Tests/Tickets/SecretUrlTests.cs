using Aeg.Configuration;
using Aeg.Logging;
using Aeg.Tests.Configuration;
using Aeg.Tickets;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace Aeg.Tests.Tickets;

/// <summary>urlEnv/urlFile for targets whose address is the secret, and the one scrubber of every output.</summary>
public sealed class SecretUrlTests : IDisposable
{
    private readonly ConfigFolder _config = new("aeg-secret-url-");

    public void Dispose() => _config.Dispose();

    private const string Section = "state:\n  directory: ./state\ntickets:\n  systems:\n    slack:\n      type: webhook\n      auth: none\n";

    [Theory]
    [InlineData("", "is required")]
    [InlineData("      url: https://hooks.example/a\n      urlEnv: SLACK_URL\n", "set one of url, urlEnv and urlFile")]
    [InlineData("      urlEnv: SLACK_URL\n      urlFile: slack.url\n", "set one of url, urlEnv and urlFile")]
    public void Exactly_one_of_url_url_env_and_url_file(string keys, string reason)
    {
        var problem = Assert.Single(_config.Problems(Section + keys));
        Assert.Equal(("tickets.systems.slack.url", true), (problem.Key, problem.Reason.Contains(reason)));
    }

    [Fact]
    public void A_secret_address_is_read_from_its_file_and_its_parts_are_scrubbed()
    {
        var secret = "https://hooks.example/services/T0SECRETPATH/B0/XKEYSECRETSEGMENT?token=QUERYVALUE123&x=1";
        File.WriteAllText(_config.File("slack.url"), secret + "\n");
        var options = _config.Load(Section + "      urlFile: slack.url\n");
        var url = TicketSecrets.ResolveUrl("slack", options.Tickets.Systems["slack"], _config.File("aeg.yaml"));
        Assert.Equal(new Uri(secret), url);
        var text = SecretRegistry.Shared.Scrubber.Scrub(
            $"echo: {secret} | {url.PathAndQuery} | {Uri.EscapeDataString(secret)} | key XKEYSECRETSEGMENT | q QUERYVALUE123");
        Assert.DoesNotContain("XKEYSECRETSEGMENT", text);
        Assert.DoesNotContain("QUERYVALUE123", text);
        Assert.DoesNotContain("T0SECRETPATH", text);
    }

    [Fact]
    public void An_unset_variable_a_missing_or_empty_file_or_a_bad_address_names_the_key_and_reason_but_not_the_value()
    {
        var config = _config.File("aeg.yaml");
        ConfigProblem Fails(string keys)
        {
            var options = _config.Load(Section + keys);
            var ex = Assert.Throws<ConfigException>(() => TicketSecrets.ResolveUrl("slack", options.Tickets.Systems["slack"], config));
            Assert.Equal(config, ex.File);
            return Assert.Single(ex.Problems);
        }
        var unset = Fails("      urlEnv: AEG_TEST_SURELY_UNSET_URL_VARIABLE\n");
        Assert.Equal(("tickets.systems.slack.urlEnv", "environment variable AEG_TEST_SURELY_UNSET_URL_VARIABLE is not set"), (unset.Key, unset.Reason));
        var missing = Fails("      urlFile: nowhere.url\n");
        Assert.Equal(("tickets.systems.slack.urlFile", "cannot read nowhere.url: no such file"), (missing.Key, missing.Reason.Replace(_config.Dir + "/", "")));
        File.WriteAllText(_config.File("empty.url"), "  \n");
        var empty = Fails("      urlFile: empty.url\n");
        Assert.Equal(("tickets.systems.slack.urlFile", "the secret is empty"), (empty.Key, empty.Reason));
        File.WriteAllText(_config.File("bad.url"), "https://bot:PASSWORDINURL42@hooks.example/x\n");
        var bad = Fails("      urlFile: bad.url\n");
        Assert.Equal("tickets.systems.slack.urlFile", bad.Key);
        Assert.Contains("must not contain credentials", bad.Reason);
        Assert.DoesNotContain("PASSWORDINURL42", bad.Reason);
        Assert.DoesNotContain("hooks.example", bad.Reason);
    }

    [Fact]
    public void The_log_sink_scrubs_properties_template_and_exception_text()
    {
        var registry = new SecretRegistry();
        registry.Add("TOKEN-sink-4711");
        registry.AddUrl("https://hooks.example/h?sig=SIGVALUE-0815", wholeUrlIsSecret: false);
        var written = new List<LogEvent>();
        var sink = new ScrubbingSink(new ListSink(written), registry);
        var template = new MessageTemplateParser().Parse("Ticket system {Target}: failed with TOKEN-sink-4711 in {Body}");
        var exception = new InvalidOperationException("server said ?sig=SIGVALUE-0815");
        sink.Emit(new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Error, exception, template,
            [new LogEventProperty("Target", new ScalarValue("hook")), new LogEventProperty("Body", new ScalarValue("{\"auth\":\"token TOKEN-sink-4711\"}")),
             new LogEventProperty("List", new SequenceValue([new ScalarValue(new Uri("https://hooks.example/h?sig=SIGVALUE-0815"))]))]));

        var e = Assert.Single(written);
        var rendered = e.RenderMessage() + e.Exception + e.Properties["List"];
        Assert.DoesNotContain("TOKEN-sink-4711", rendered);
        Assert.DoesNotContain("SIGVALUE-0815", rendered);
        Assert.Contains("hook", rendered);
        Assert.Contains("***", e.Exception!.ToString());
        Assert.Contains("InvalidOperationException", e.Exception.ToString());
    }

    private sealed class ListSink(List<LogEvent> events) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => events.Add(logEvent);
    }
}
