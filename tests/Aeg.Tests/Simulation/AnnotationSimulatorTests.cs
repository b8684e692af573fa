using System.Text;
using Aeg.Cli;
using Aeg.Configuration;
using Aeg.Simulation;

namespace Aeg.Tests.Simulation;

/// <summary>The simulator's edit stream (no database): order, stage workflow, double edits, seeds; and its small helpers.</summary>
public sealed class AnnotationSimulatorTests
{
    private static List<SimulatedEdit> Play(int analysts, int events, int? seed)
    {
        var simulator = new AnnotationSimulator(new SimulationSettings(analysts, events, seed));
        var edits = new List<SimulatedEdit>();
        while (simulator.TryNext(out var edit))
        {
            edits.Add(edit);
        }
        Assert.Equal(events, simulator.Finished);
        return edits;
    }

    [Fact]
    public void Every_event_arrives_queued_and_moves_forward_to_final_or_closed_in_time_order()
    {
        var edits = Play(analysts: 5, events: 400, seed: 11);

        Assert.True(edits.Zip(edits.Skip(1)).All(p => p.First.At <= p.Second.At), "edits are not in simulated-time order");
        foreach (var perEvent in edits.GroupBy(e => e.EventNumber))
        {
            var list = perEvent.ToList();
            Assert.True(list[0].IsNew && list[0].Stage == SimulatedStage.Queued && list[0].Analyst is null);
            Assert.DoesNotContain(list.Skip(1), e => e.IsNew);
            Assert.True(list.Zip(list.Skip(1)).All(p => p.First.Stage <= p.Second.Stage), $"event {perEvent.Key} went back a stage");
            Assert.Single(list, e => e.FinishesEvent);
            Assert.True(list[^1].FinishesEvent, $"event {perEvent.Key} was edited after it finished");
            Assert.Contains(list[^1].Stage, new[] { SimulatedStage.Final, SimulatedStage.Closed });
        }
        Assert.Equal(400, edits.Count(e => e.IsNew));
        Assert.Equal(["alice", "bob", "carol", "dave", "erin"], edits.Where(e => e.Analyst is not null).Select(e => e.Analyst!).Distinct().Order());
        Assert.Contains(edits, e => e.Stage == SimulatedStage.ReImage);
        Assert.Contains(edits, e => !e.StageChanged && !e.IsNew);
        Assert.Contains(edits, e => e.Flags.HasFlag(SimulatedFlags.InCase));
    }

    [Fact]
    public void Some_edits_follow_the_previous_edit_of_the_same_event_within_seconds()
    {
        var edits = Play(analysts: 3, events: 300, seed: 5);
        var quick = edits.GroupBy(e => e.EventNumber)
            .Count(g => g.Zip(g.Skip(1)).Any(p => !p.Second.IsNew && p.Second.At - p.First.At <= TimeSpan.FromSeconds(3)));
        // 12% of stage edits are followed by a quick second edit: far more than 5% of events have one.
        Assert.True(quick > 15, $"only {quick} events had two edits within 3 s");
    }

    [Fact]
    public void The_same_seed_plays_the_same_edits_and_another_seed_does_not()
    {
        Assert.Equal(Play(4, 120, seed: 42), Play(4, 120, seed: 42));
        Assert.NotEqual(Play(4, 120, seed: 42), Play(4, 120, seed: 43));
    }

    [Fact]
    public void Comments_carry_the_characters_cef_must_escape_and_fit_the_column()
    {
        var edits = Play(5, 500, seed: 3);
        var comments = edits.Where(e => e.Comment is not null).Select(e => e.Comment!).ToList();
        Assert.Contains(comments, c => c.Contains('|'));
        Assert.Contains(comments, c => c.Contains('='));
        Assert.Contains(comments, c => c.Contains('\\'));
        Assert.Contains(comments, c => c.Contains('\n'));
        Assert.Contains(comments, c => c.Any(ch => ch > 127));
        Assert.Contains(comments, c => c.Length > SimulationComments.MaxLength);
        Assert.All(comments, c => Assert.True(SimulationComments.Fit(c).Length <= SimulationComments.MaxLength));
        Assert.Equal(SimulationComments.MaxLength - 1, SimulationComments.Fit(new string('a', 1023) + "🚨").Length);
    }

    [Fact]
    public void Audit_trail_keeps_the_newest_whole_lines_within_2048_bytes()
    {
        string? trail = null;
        for (var i = 0; i < 200; i++)
        {
            trail = AuditTrail.Prepend(AuditTrail.Line(1_700_000_000_000 + i, "grace", i % 2 == 0 ? "Follow-Up" : "Final", i % 3 == 0 ? "\r\n" : "\n"), trail);
        }
        Assert.True(Encoding.UTF8.GetByteCount(trail!) <= AuditTrail.MaxBytes);
        Assert.True(Encoding.UTF8.GetByteCount(trail!) > AuditTrail.MaxBytes - 40, "more was dropped than needed");
        var lines = trail!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.All(lines, l => Assert.Equal(8, l.Split(',').Length));
        Assert.Equal("1,1700000000199,grace,Final,,,,", lines[0]);
        var times = lines.Select(l => long.Parse(l.Split(',')[1])).ToList();
        Assert.Equal(times.OrderDescending(), times);
    }

    [Theory]
    [InlineData("60x", 60)]
    [InlineData("1", 1)]
    [InlineData("0.5X", 0.5)]
    public void Speed_parses_a_factor(string text, double factor)
    {
        Assert.True(SimulationSpeed.TryParse(text, out var speed));
        Assert.Equal(factor, speed.Factor);
        Assert.Equal(TimeSpan.FromSeconds(120 / factor), speed.RealTime(TimeSpan.FromSeconds(120)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("0x")]
    [InlineData("-2x")]
    public void Speed_rejects_nonsense(string text) => Assert.False(SimulationSpeed.TryParse(text, out _));

    [Fact]
    public void Speed_max_never_waits()
    {
        Assert.True(SimulationSpeed.TryParse("max", out var speed));
        Assert.Equal(TimeSpan.Zero, speed.RealTime(TimeSpan.FromHours(5)));
    }

    [Fact]
    public void A_mysql_address_gives_host_port_database_user_and_ssl_mode()
    {
        var o = SimulationTarget.Parse("mysql://aeg_admin@db.example.com:3307/arcsight_test?sslMode=None");
        Assert.Equal(("db.example.com", 3307, "arcsight_test", "aeg_admin", "None"), (o.Host, o.Port, o.Database, o.User, o.SslMode));
        Assert.Equal(3306, SimulationTarget.Parse("mysql://u@h/d").Port);
    }

    [Fact]
    public void A_config_file_gives_its_database_section_and_password_source()
    {
        var dir = Directory.CreateTempSubdirectory("aeg-sim-target-").FullName;
        try
        {
            File.Copy(TestServices.RepoFile("cef-mappings.yaml"), Path.Combine(dir, "cef-mappings.yaml"));
            File.WriteAllText(Path.Combine(dir, "db-password"), "s3cret\n");
            var config = Path.Combine(dir, "aeg.yaml");
            File.WriteAllText(config, "database:\n  host: esm-test.example.com\n  database: arcsight_test\n  passwordFile: db-password\n");
            var (options, password) = SimulationTarget.Resolve(config, null, null);
            Assert.Equal(("esm-test.example.com", "arcsight_test", "s3cret"), (options.Host, options.Database, password));
            var ex = Assert.Throws<ConfigException>(() => SimulationTarget.Resolve(config, "SOME_VAR", null));
            Assert.Contains("database.passwordEnv/passwordFile", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("mysql://u:secret@h/d", "password in the address")]
    [InlineData("mysql://u@h/d?timeout=3", "unknown parameter 'timeout'")]
    [InlineData("mysql://u@h/d?sslMode=Sometimes", "database.sslMode")]
    [InlineData("mysql://u@h/", "database.database")]
    public void A_bad_mysql_address_says_what_is_wrong_without_echoing_a_password(string address, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => SimulationTarget.Resolve(address, "AEG_SIM_TEST_UNSET", null));
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain("secret", ex.Message);
    }
}
