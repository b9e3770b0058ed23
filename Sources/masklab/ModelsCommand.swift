import ArgumentParser
import Datasets
import Layers
import Models
import TensorCore

/// `masklab models`: the model registry.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models with their parameter counts (MNIST and CIFAR-10 shapes).")

    @Flag(name: .long, help: "Also list every tensor's PyTorch name and shape for the model given with --model.")
    var tensors = false

    @Option(name: .long, help: "Model to describe with --tensors.")
    var model: String?

    @Option(name: .long, help: "Base width for convolutional models.")
    var width: Int?

    @Option(name: .long, help: "Dataset whose sample shape and classes --tensors uses (\(DatasetRegistry.names.joined(separator: ", "))). Default: mnist for mlp, cifar10 for the others.")
    var dataset: String?

    func validate() throws {
        if let width, !(1...ModelOptions.maxWidth).contains(width) {
            throw ValidationError("--width must be in [1, \(ModelOptions.maxWidth)], got \(width)")
        }
    }

    func run() throws {
        let options = ModelOptions(width: width)
        if tensors {
            guard let model else { throw UsageFailure("--tensors needs --model NAME") }
            let definition: any DatasetDefinition.Type
            do { definition = try DatasetRegistry.definition(dataset ?? (model == "mlp" ? "mnist" : "cifar10")) } catch { throw UsageFailure(error.description) }
            let net: Network
            do { net = try ModelRegistry.make(model, sampleShape: definition.sampleShape, classes: definition.classes, options: options) } catch {
                throw UsageFailure(error.description)
            }
            print("\(net.name) on \(definition.name) (\(definition.sampleShape.dims.map(String.init).joined(separator: "×")) samples, \(definition.classes) classes)")
            for (name, dims) in net.store.shapes { print("\(name)\t\(dims)") }
            print("\(net.parameterCount) parameters")
            return
        }
        print("model".padding(toLength: 10, withPad: " ", startingAt: 0) + "parameters (1×28×28)  parameters (3×32×32)  description")
        for e in ModelRegistry.entries {
            func count(_ s: Shape) -> String {
                // --width applies to the models that read it; the others are listed as they are.
                (try? e.build(s, 10, e.applicable(options))).map { String($0.parameterCount) } ?? "–"
            }
            print(e.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                  + count(Shape(1, 28, 28)).padding(toLength: 22, withPad: " ", startingAt: 0)
                  + count(Shape(3, 32, 32)).padding(toLength: 22, withPad: " ", startingAt: 0) + e.summary)
        }
    }
}
