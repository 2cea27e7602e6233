using System.Runtime.CompilerServices;

// The driver (src/SharpQuic) implements IConnectionTracerFactory (QlogDirectoryTracerFactory), and its tests use the
// tracer it returns. These belong in SharpQuic.Core.csproj as <InternalsVisibleTo Include="SharpQuic" /> and
// <InternalsVisibleTo Include="SharpQuic.Tests" />; kept here until that file is changed.
[assembly: InternalsVisibleTo("SharpQuic")]
[assembly: InternalsVisibleTo("SharpQuic.Tests")]
