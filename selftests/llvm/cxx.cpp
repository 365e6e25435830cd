// SPDX-License-Identifier: GPL-2.0
/*
 * C++ in JIT code: static constructors and destructors (run by ORC's
 * initializer support), virtual calls, the standard library, and an
 * exception thrown and caught across JIT frames (needs the graph's
 * eh-frame registered with the unwinder).
 */
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct Tracer {
	const char *name;
	explicit Tracer(const char *n) : name(n) { std::printf("ctor %s\n", name); }
	~Tracer() { std::printf("dtor %s\n", name); }
};

static Tracer first("first");
static Tracer second("second");
static std::map<std::string, int> registry = { { "one", 1 }, { "two", 2 } };

struct Shape {
	virtual ~Shape() = default;
	virtual double area() const = 0;
	virtual const char *name() const = 0;
};

struct Square : Shape {
	double s;
	explicit Square(double s) : s(s) {}
	double area() const override { return s * s; }
	const char *name() const override { return "square"; }
};

struct Tri : Shape {
	double b, h;
	Tri(double b, double h) : b(b), h(h) {}
	double area() const override { return b * h / 2; }
	const char *name() const override { return "triangle"; }
};

struct Oops : std::runtime_error {
	int depth;
	Oops(const char *m, int d) : std::runtime_error(m), depth(d) {}
};

__attribute__((noinline)) static int thrower(int n)
{
	Tracer t(n == 0 ? "innermost" : "frame");

	if (n == 0)
		throw Oops("deep failure", 7);
	return thrower(n - 1) + 1;
}

__attribute__((noinline)) static int catcher()
{
	try {
		return thrower(3);
	} catch (const Oops &e) {
		std::printf("caught %s depth %d\n", e.what(), e.depth);
		return -1;
	}
}

int main()
{
	std::vector<std::unique_ptr<Shape>> shapes;

	shapes.push_back(std::make_unique<Square>(3));
	shapes.push_back(std::make_unique<Tri>(4, 5));
	for (auto &s : shapes)
		std::printf("%s %.1f\n", s->name(), s->area());
	registry["three"] = 3;
	for (auto &kv : registry)
		std::printf("%s=%d\n", kv.first.c_str(), kv.second);
	std::printf("catcher=%d\n", catcher());
	try {
		std::vector<int> v(3);
		(void)v.at(10);
	} catch (const std::out_of_range &) {
		std::printf("out_of_range from libstdc++ caught in JIT code\n");
	}
	return 0;
}
