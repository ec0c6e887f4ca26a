using Xunit.Abstractions;
using Xunit.Sdk;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// A theory over recording folders: a folder listed in <see cref="RecordingAdapters.Pending"/> becomes a skipped
/// test case carrying its reason, so the report shows it (never a silent pass).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("Skvare.CmsUser.Testing.Tests.Conformance.RecordingTheoryDiscoverer", "Skvare.CmsUser.Testing.Tests")]
public sealed class RecordingTheoryAttribute : TheoryAttribute;

/// <summary>Discovers <see cref="RecordingTheoryAttribute"/> cases, skipping pending folders with their reason.</summary>
/// <param name="sink">The diagnostic sink.</param>
public sealed class RecordingTheoryDiscoverer(IMessageSink sink) : TheoryDiscoverer(sink)
{
    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow) =>
        dataRow is [string folder] && RecordingAdapters.SkipReason(folder) is { } reason
            ? CreateTestCasesForSkippedDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow, reason)
            : base.CreateTestCasesForDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow);
}
