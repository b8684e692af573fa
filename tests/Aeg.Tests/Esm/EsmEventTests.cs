using System.Text.Json;
using Aeg.Esm;

namespace Aeg.Tests.Esm;

/// <summary>Reading ESM events by path: nested objects, ESM's encodings of addresses and its "no value" sentinels.</summary>
public sealed class EsmEventTests
{
    private static EsmEvent Parse(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    [Fact]
    public void Nested_paths_of_the_documented_event_read_as_text()
    {
        var e = Parse(EsmTestKit.ExampleEvent);

        Assert.Equal("/All Stages/Queued", e.Get("eventAnnotation.stage.uri"));
        Assert.Equal("Manager Internal Agent", e.Get("agent.name"));
        Assert.Equal("6", e.Get("deviceCustomNumber1"));
        Assert.Equal("1540721479589", e.Get("endTime"));
        Assert.Null(e.Get("source.address"));          // the example has no source
        Assert.Null(e.Get("no.such.path"));
    }

    [Fact]
    public void Addresses_as_32_bit_numbers_and_as_base64_bytes_become_dotted_IPv4()
    {
        var e = Parse(EsmTestKit.ExampleEvent);

        Assert.Equal("192.168.2.34", e.Get("agent.address"));
        Assert.Equal("192.168.2.34", e.Get("agent.addressAsBytes"));
        Assert.Equal("10.1.2.3", Parse("""{"source":{"address":167838211}}""").Get("source.address"));
        // A Java int past 127.255.255.255 comes out negative.
        Assert.Equal("192.168.2.34", Parse("""{"source":{"address":-1062731230}}""").Get("source.address"));
    }

    [Fact]
    public void IPv6_addresses_come_from_addressAsBytes_in_base64_or_as_a_signed_byte_list()
    {
        var bytes = System.Net.IPAddress.Parse("2001:db8::17").GetAddressBytes();
        var b64 = Convert.ToBase64String(bytes);
        var list = string.Join(",", bytes.Select(b => (sbyte)b));

        Assert.Equal("2001:db8::17", Parse("{\"source\":{\"address\":-9223372036854775808,\"addressAsBytes\":\"" + b64 + "\"}}").Get("source.address"));
        Assert.Equal("2001:db8::17", Parse("{\"destination\":{\"addressAsBytes\":[" + list + "]}}").Get("destination.addressAsBytes"));
        Assert.Equal("192.168.2.34", Parse("""{"source":{"addressAsBytes":[-64,-88,2,34]}}""").Get("source.addressAsBytes"));
    }

    [Fact]
    public void ESMs_no_value_sentinels_are_absent()
    {
        var e = Parse(EsmTestKit.ExampleEvent);

        Assert.Null(e.Get("agentReceiptTime"));              // -9223372036854775808
        Assert.Null(e.Get("bytesIn"));                        // -2147483648
        Assert.Null(e.Get("deviceCustomFloatingPoint1"));     // 5e-324
        Assert.Null(e.Get("agent.macAddress"));
        Assert.Equal("00:1a:2b:3c:4d:5e", Parse("""{"source":{"macAddress":112394521950}}""").Get("source.macAddress"));
    }

    [Fact]
    public void A_one_element_list_sent_bare_reads_the_same_as_a_list_by_index()
    {
        Assert.Equal("11", Parse("""{"baseEventIds":[11,12]}""").Get("baseEventIds.0"));
        Assert.Equal("12", Parse("""{"baseEventIds":[11,12]}""").Get("baseEventIds.1"));
        Assert.Equal("11", Parse("""{"baseEventIds":11}""").Get("baseEventIds.0"));
        Assert.Null(Parse("""{"baseEventIds":11}""").Get("baseEventIds.1"));
    }

    [Fact]
    public void Numbers_past_2_to_the_53_keep_every_digit()
    {
        Assert.Equal("9007199254740993", Parse("""{"sessionId":9007199254740993}""").Get("sessionId"));
    }

    [Fact]
    public void Fields_lists_every_leaf_with_its_path_and_marks_sentinels_absent()
    {
        var fields = Parse(EsmTestKit.ExampleEvent).Fields().ToDictionary(f => f.Path, f => f.Value);

        Assert.Equal("/All Stages/Queued", fields["eventAnnotation.stage.uri"]);
        Assert.Equal("192.168.2.34", fields["originalAgent.address"]);
        Assert.True(fields.ContainsKey("bytesIn"));
        Assert.Null(fields["bytesIn"]);
        Assert.True(fields.Count > 150, $"{fields.Count} fields");
    }

    [Fact]
    public void The_cache_keeps_at_most_its_capacity_least_recently_used_out_first_and_expires_entries()
    {
        var time = new TimestampClock();
        var cache = new EsmEventCache(2, TimeSpan.FromMinutes(1), time);
        var e = Parse("""{"eventId":1}""");
        cache.Put(1, e);
        cache.Put(2, e);
        Assert.NotNull(cache.Get(1));
        cache.Put(3, e);

        Assert.Null(cache.Get(2));
        Assert.NotNull(cache.Get(1));
        Assert.NotNull(cache.Get(3));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(cache.Get(1));
        Assert.Equal(1, cache.Count);
    }
}
