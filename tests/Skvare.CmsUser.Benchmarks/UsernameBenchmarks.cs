using BenchmarkDotNet.Attributes;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Benchmarks;

/// <summary>Cost of turning a rendered pattern into a valid username.</summary>
[MemoryDiagnoser]
public class UsernameBenchmarks
{
    private static readonly Contact Contact = new() { Id = 42, FirstName = "João Carlos", LastName = "Müller-Løvås", Email = "joao@example.org" };
    private readonly UsernameTemplate _template = UsernameTemplate.Parse("{contact.first_name}.{contact.last_name}");

    [Benchmark(Baseline = true)]
    public string SanitizeAscii() => UsernameSanitizer.Sanitize("ana.lima", UsernameRules.Default, 4);

    [Benchmark]
    public string SanitizeAccented() => UsernameSanitizer.Sanitize("João Carlos.Müller-Løvås", UsernameRules.Default, 4);

    [Benchmark]
    public string RenderAndSanitize() => UsernameSanitizer.Sanitize(_template.Render(Contact), UsernameRules.Default, 4);
}
