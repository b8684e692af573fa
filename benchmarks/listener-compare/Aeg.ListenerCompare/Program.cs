using Aeg.ListenerCompare;

// Two roles of the listener comparison (see ../README.md and ../run.sh):
//   send    --port P --count N [--size 650] [--octet]
//   receive --port P --count N [--warmup W] [--handler parse|rules|parse+rules] [--rules PATH]
//   udp-alloc [--count N] [--size 650]   (bytes allocated per datagram on the UDP listener's path)
//   wait-metrics --url http://127.0.0.1:P/metrics --count N [--sender 127.0.0.1] [--timeout-s 300]   (aeg run's progress)
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal))
    {
        options[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
    }
}

string Get(string name, string? fallback = null) =>
    options.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

return args.FirstOrDefault() switch
{
    "send" => await Sender.RunAsync(int.Parse(Get("port")), long.Parse(Get("count")), int.Parse(Get("size", "650")), options.ContainsKey("octet")),
    "udp-alloc" => await UdpAllocationCheck.RunAsync(long.Parse(Get("count", "200000")), int.Parse(Get("size", "650"))),
    "receive" => await Receiver.RunAsync(int.Parse(Get("port")), long.Parse(Get("warmup", "0")), long.Parse(Get("count")), Get("handler", "parse+rules"), options.GetValueOrDefault("rules")),
    "wait-metrics" => await MetricsWatch.RunAsync(Get("url"), Get("sender", "127.0.0.1"), long.Parse(Get("count")), TimeSpan.FromSeconds(int.Parse(Get("timeout-s", "300"))), int.Parse(Get("interval-ms", "10"))),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Aeg.ListenerCompare send --port P --count N [--size 650] [--octet]");
    Console.Error.WriteLine("       Aeg.ListenerCompare receive --port P --count N [--warmup W] [--handler parse|rules|parse+rules] [--rules PATH]");
    Console.Error.WriteLine("       Aeg.ListenerCompare wait-metrics --url URL --count N [--sender 127.0.0.1] [--timeout-s 300]");
    return 2;
}
