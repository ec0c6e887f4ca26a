using Xunit.Abstractions;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// Replays every recording under <c>tests/recordings</c> against the fakes and compares each answer with the real
/// server's (see <see cref="ExchangeComparer"/>). A difference is a defect of the fake.
/// </summary>
public sealed class RecordingConformanceTests(ITestOutputHelper output)
{
    /// <summary>Every recording folder; new folders are picked up without code changes.</summary>
    public static TheoryData<string> Folders() => new(Recording.Folders());

    [RecordingTheory(Timeout = 120_000)]
    [MemberData(nameof(Folders))]
    public async Task The_fakes_answer_every_recorded_exchange_as_the_real_server(string folder)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        using var adapter = RecordingAdapters.For(folder)
            ?? throw new InvalidOperationException($"No conformance adapter for the recording folder '{folder}'. Add a RecordingAdapter for its server kind to RecordingAdapters (tests/Skvare.CmsUser.Testing.Tests/Conformance; see docs/testing.md) or list it in RecordingAdapters.Pending with a reason.");
        var recording = Recording.Load(folder);
        var result = await ConformanceReplay.RunAsync(recording, adapter, timeout.Token);

        output.WriteLine(result.Summary);
        foreach (var line in result.Mismatches)
        {
            output.WriteLine(line);
        }

        var artifacts = Path.Combine(Path.GetDirectoryName(typeof(RecordingConformanceTests).Assembly.Location)!, "conformance");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllLinesAsync(Path.Combine(artifacts, folder + ".txt"), [result.Summary, .. result.Mismatches], timeout.Token);

        result.Mismatches.Should().BeEmpty(result.Summary);
        var docs = await File.ReadAllTextAsync(Path.Combine(Recording.Root, "..", "..", "docs", "testing.md"), timeout.Token);
        docs.Should().Contain(result.Summary, "docs/testing.md states the conformance figure of each replayed recording");
    }
}
