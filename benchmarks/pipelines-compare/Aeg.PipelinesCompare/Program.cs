using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Aeg.PipelinesCompare.ReceiveBenchmarks).Assembly).Run(args);
