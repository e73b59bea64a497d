export * from "./CsvFormat.js"
export * as DirectoryPublisher from "./DirectoryPublisher.js"
export * as Fonts from "./Fonts.js"
export * from "./PdfReport.js"
