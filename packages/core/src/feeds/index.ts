export * from "./DirectorySettings.js"
export * from "./SimulatedFeed.js"
export * from "./SourceSettings.js"
export * from "./UrlSettings.js"
