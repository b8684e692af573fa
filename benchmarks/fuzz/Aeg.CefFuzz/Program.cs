using System.CommandLine;
using System.Security.Cryptography;
using Aeg.Cef.Tests.Fuzzing;

// Long-running fuzzing of CefReader and SyslogFrameReader with the engine of the CI test
// (tests/Aeg.Cef.Tests/Fuzzing). Prints progress, saves every failing input, exits 1 on any.
var seedOption = new Option<int?>("--seed") { Description = "Seed of the run (default: from the clock; printed)." };
var iterations = new Option<long>("--iterations") { Description = "Stop after this many inputs.", DefaultValueFactory = _ => long.MaxValue };
var minutes = new Option<double?>("--minutes") { Description = "Stop after this many minutes." };
var threads = new Option<int>("--threads") { Description = "Worker threads, each on its own share of the iterations.", DefaultValueFactory = _ => 1 };
var vectors = new Option<FileInfo>("--vectors") { Description = "Conformance vectors to seed from.", DefaultValueFactory = _ => new FileInfo("tests/Aeg.Cef.Tests/Vectors/reader-vectors.json") };
var crashes = new Option<DirectoryInfo>("--crashes") { Description = "Folder for failing inputs (<target>-<seed>-<iteration>.bin and .txt).", DefaultValueFactory = _ => new DirectoryInfo("benchmarks/fuzz/crashes") };
var repro = new Option<long?>("--repro") { Description = "Run only this iteration of --seed and print what failed." };

var root = new RootCommand("Fuzzes CefReader and SyslogFrameReader (see benchmarks/fuzz/README.md).")
{
    seedOption, iterations, minutes, threads, vectors, crashes, repro,
};
root.SetAction((parse, cancel) =>
{
    var seed = parse.GetValue(seedOption) ?? (int)(DateTime.UtcNow.Ticks & 0x7FFF_FFFF);
    var fuzzer = new CefFuzzer(FuzzSeeds.Load(parse.GetValue(vectors)!.FullName), seed);
    var crashDir = parse.GetValue(crashes)!;

    if (parse.GetValue(repro) is { } one)
    {
        var found = fuzzer.RunOne(one, null, out var strategy);
        Console.WriteLine($"seed {seed} iteration {one} ({strategy}): {(found.Count == 0 ? "every property holds" : "")}");
        foreach (var failure in found)
        {
            Console.WriteLine($"{failure.Target}: {failure.Reason}\ninput: {CefReaderOracle.Show(failure.Input)}");
        }

        return Task.FromResult(found.Count == 0 ? 0 : 1);
    }

    var workers = Math.Max(1, parse.GetValue(threads));
    var total = parse.GetValue(iterations);
    DateTime? until = parse.GetValue(minutes) is { } m ? DateTime.UtcNow.AddMinutes(m) : null;
    Console.WriteLine($"seed {seed}, {workers} thread(s), {(until is null ? "" : $"until {until:HH:mm:ss} UTC, ")}{(total == long.MaxValue ? "no input limit" : $"{total:N0} inputs")}; failing inputs go to {crashDir.FullName}");

    var gate = new Lock();
    var saved = 0;
    void Save(FuzzFailure failure)
    {
        lock (gate)
        {
            crashDir.Create();
            var name = $"{failure.Target}-{failure.Seed}-{failure.Iteration}";
            File.WriteAllBytes(Path.Combine(crashDir.FullName, name + ".bin"), failure.Input);
            File.WriteAllText(Path.Combine(crashDir.FullName, name + ".txt"),
                $"target: {failure.Target}\nseed: {failure.Seed}\niteration: {failure.Iteration}\nstrategy: {failure.Strategy}\n"
                + $"sha256: {Convert.ToHexString(SHA256.HashData(failure.Input))}\nreproduce: --seed {failure.Seed} --repro {failure.Iteration}\n\n{failure.Reason}\n");
            saved++;
            Console.WriteLine($"FAILURE {name}: {failure.Reason.Split('\n')[0]}");
        }
    }

    // Worker w runs iterations w, w+workers, …: together exactly the single-threaded sequence.
    var started = DateTime.UtcNow;
    var runs = new FuzzRunStats[workers];
    var tasks = Enumerable.Range(0, workers).Select(w => Task.Factory.StartNew(
        () => runs[w] = fuzzer.Run(total == long.MaxValue ? long.MaxValue : (total - w + workers - 1) / workers, until, w, workers, Save, cancel),
        TaskCreationOptions.LongRunning)).ToArray();

    using var progress = new Timer(_ =>
    {
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {fuzzer.Completed:N0} inputs in {seconds / 60:N1} min = {fuzzer.Completed / seconds:N0} inputs/s, failures saved {saved}");
    }, null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
    Task.WaitAll(tasks);

    foreach (var (run, w) in runs.Select((r, w) => (r, w)))
    {
        Console.WriteLine($"thread {w}: {run}");
    }

    var inputs = runs.Sum(r => r.Inputs);
    var failures = runs.Sum(r => r.FailureCount);
    var elapsed = DateTime.UtcNow - started;
    Console.WriteLine($"TOTAL seed {seed}: {inputs:N0} inputs in {elapsed.TotalMinutes:N1} min = {inputs / elapsed.TotalSeconds:N0} inputs/s, {failures} failures ({saved} saved)");
    return Task.FromResult(failures == 0 ? 0 : 1);
});

return await root.Parse(args).InvokeAsync();
