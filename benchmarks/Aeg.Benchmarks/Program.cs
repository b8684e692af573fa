using BenchmarkDotNet.Running;

// Not typeof(Program): with the ASP.NET Core framework, aeg's own Program is public too (CS0436).
BenchmarkSwitcher.FromAssembly(typeof(Aeg.Benchmarks.CefReaderBenchmarks).Assembly).Run(args);
