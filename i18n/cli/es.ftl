# La línea de órdenes de losslab en español: los textos de --help y las palabras propias de
# clap. Las claves coinciden una a una con en.ftl (tests/i18n.rs); tests/i18n_help.rs falla si
# una orden o una opción no tiene aquí su texto.
#
# help-RUTA es la descripción de una orden (help-serve-time); help-RUTA--ID la ayuda de un
# argumento, con el id de clap (el nombre del campo); .long su ayuda larga, .pv-NOMBRE la de un
# valor posible.

## Las palabras propias de clap
clap-usage = Uso
clap-commands = Órdenes
clap-arguments = Argumentos
clap-options = Opciones
clap-default = por defecto
clap-possible = valores posibles
clap-possible-values = Valores posibles:
clap-aliases = alias
clap-help = Muestra la ayuda
clap-help-short = Muestra la ayuda (más detalle con '--help')
clap-help-long = Muestra la ayuda (un resumen con '-h')
clap-version = Muestra la versión
clap-help-subcommand = Muestra este mensaje o la ayuda de las órdenes indicadas

## --help
help = Un laboratorio de pérdida de paquetes: servidor de hora UDP con pérdidas reproducibles, generadores de carga, resultados en CSV
help--lang = Idioma de los mensajes: es o en [por defecto: según LC_ALL, LC_MESSAGES o LANG; si no, en]
help-run = Ejecuta un experimento: el servidor con pérdidas y sus clientes en un bucle de eventos, registrado en CSV
help-run--scenario = Fichero de escenario (TOML). Sin él, ejecuta el escenario incorporado por defecto, scenarios/lab9-udp-time.toml
help-run--seed = Usa esta semilla en lugar de la del escenario
help-run--out = Carpeta de resultados [por defecto: results/<nombre del escenario>]
help-run--quiet = Imprime solo el resumen, no cada descarte (ni la barra de progreso); dos veces (-qq): no imprime nada, para scripts que solo quieren los ficheros y el código de salida
help-run--report = Escribe también el informe (gráficas y report.md) en RESULTADOS/report
help-run--sim = Simula: tiempo virtual sobre el [link] del escenario, sin sockets (los escenarios TCP van sobre la pila TCP/IP de smoltcp); la misma semilla da ficheros idénticos byte a byte
help-run--live = Usa sockets reales aunque el escenario diga mode = "sim"
help-run--no_requests_csv = No escribe requests.csv (una fila por paquete); conserva solo los resúmenes
help-run--sets = Sustituye un campo del escenario (una ruta con puntos dentro del fichero), comprobado igual que el fichero: `--set impair.loss="bursty 10% burst 5"`, `--set clients.retries=3`. Se puede repetir
help-run--sweep_id = Registra esta ejecución como un punto del barrido ID (lo que escribe `losslab sweep --list`)
help-run--server = Ejecuta solo los clientes del escenario, contra un servidor udp-time en otra máquina (p. ej. `losslab serve time --record DIR` en otro equipo); después `losslab join` separa cada pérdida en el camino de ida, el modelo del servidor y el camino de vuelta
help-serve = Ejecuta un servidor a mano
help-serve-time = El ejercicio 1 de la práctica: un servidor UDP que responde con la fecha y la hora, perdiendo solicitudes
help-serve-time--bind = Dirección en la que escuchar (loopback por defecto; nunca todas las interfaces salvo que se pida)
help-serve-time--loss = Pérdida: una probabilidad (0.5) o una especificación de pérdida de netem ("random 10%", "gemodel 1% 30%", "state 1% 30% ...", "bursty 5% burst 3", "pattern 10") [por defecto: 0.5, el servidor de la práctica, si no se pide ninguna otra alteración]
help-serve-time--delay = Retardo en la sintaxis de netem: "T [JITTER] [distribution uniform|normal|pareto|paretonormal]"
help-serve-time--duplicate = Duplica una fracción de los paquetes: "P" (p. ej. "5%")
help-serve-time--reorder = Envía una fracción de los paquetes de inmediato mientras los demás esperan el retardo: "P"
help-serve-time--corrupt = Altera una fracción de las respuestas (la suma de comprobación del cliente las detecta): "P"
help-serve-time--direction = Sobre qué paquetes actúan las alteraciones: request (solicitudes), reply (respuestas) o both (ambos)
help-serve-time--seed = Semilla de las decisiones de descarte: la misma semilla descarta las mismas solicitudes
help-serve-time--max_requests = Se detiene tras esta cantidad de datagramas
help-serve-time--quiet = Imprime solo los descartes, no las solicitudes respondidas
help-serve-time--protocol = Qué responder: el texto de la práctica, daytime (RFC 867), time (RFC 868) (estos dos también por TCP, en el mismo puerto) o SNTP (RFC 4330)
    .pv-lab = La respuesta de texto de la práctica (el protocolo propio de losslab para sus clientes)
    .pv-daytime = RFC 867: una línea de texto; UDP y TCP
    .pv-time = RFC 868: segundos desde 1900 en 32 bits; UDP y TCP
    .pv-sntp = RFC 4330 SNTP: respuestas NTP en modo 4; UDP
help-serve-time--record = Escribe en esta carpeta lo que hizo realmente el servidor: server.csv (una fila por datagrama: cuándo, desde dónde, su id, qué hizo el modelo) y server.json
help-serve-time--min_interval = SNTP: una dirección que vuelve a preguntar antes de este intervalo recibe un kiss-o'-death RATE
help-serve-echo = Los servidores de eco de la práctica: UDP responde "Res: " + datos, TCP "Resp: " + datos y cierra
help-serve-echo--udp = Usa UDP
help-serve-echo--tcp = Usa TCP
help-serve-echo--bind = Dirección en la que escuchar (loopback por defecto)
help-serve-echo--keep_open = TCP: responde a cada fragmento que envía un cliente en lugar de cerrar tras la primera respuesta
help-serve-echo--max_requests = Se detiene tras esta cantidad de solicitudes
help-serve-echo--idle_timeout = TCP: cierra una conexión tras este tiempo sin bytes en ningún sentido
help-time = Pide la hora a un servidor de hora UDP, como ping: una línea por solicitud y luego un resumen
help-time--addr = Dirección del servidor, HOST:PUERTO
help-time--count = Número de solicitudes
help-time--interval = Tiempo entre solicitudes
help-time--timeout = Cuánto esperar cada respuesta antes de darla por perdida
help-time--retries = Reenvía una solicitud perdida, hasta este número de veces
help-time--client_id = Id de cliente que se escribe en las solicitudes (los servidores losslab basan en él sus decisiones de descarte)
help-time--protocol = lab: el protocolo de losslab; sntp: RFC 4330, con el desfase y el retardo de cada respuesta
help-lab = La guía de la práctica, paso a paso: sus ejercicios con la orden de losslab para cada uno
help-echo = El cliente de eco de la práctica: envía un mensaje (o cada línea escrita tras "> ") e imprime la respuesta
help-echo--addr = Dirección del servidor, HOST:PUERTO
help-echo--udp = Usa UDP
help-echo--tcp = Usa TCP
help-echo--message = Qué enviar; sin él, cada línea de la entrada estándar se envía tras el indicador "> "
help-echo--timeout = Cuánto esperar cada respuesta
help-head = El ejercicio 2 de la práctica: envía solicitudes HTTP HEAD y muestra la respuesta, como `curl -sI`
help-head--url = http://HOST[:PUERTO]/RUTA
help-head--count = Mide N solicitudes (tiempo de conexión, tiempo hasta las cabeceras) en lugar de imprimir la respuesta
help-head--timeout = Cuánto esperar las cabeceras de cada respuesta
help-head--http10 = Envía solicitudes HTTP/1.0
help-head--new_connection = Abre una conexión nueva para cada solicitud en lugar de reutilizar una que se mantiene abierta (keep-alive)
help-model = Modelos de pérdida: qué significa una especificación y su equivalente en netem
help-model-explain = Muestra los parámetros de una especificación de pérdida, su pérdida estacionaria, la longitud media de ráfaga y la línea de `tc`
help-model-explain--spec = Una especificación de pérdida, p. ej. "gemodel 1% 30%", "bursty 5% burst 3", "state 1% 30%", "random 10%"
help-check = Control de CI sobre una carpeta de resultados: comprueba su pérdida frente al modelo, un fichero de expectativas o una carpeta de referencia; sale con 0 si todo pasa, 1 si algo falla, 2 si la entrada no se puede leer
help-check--results = Una carpeta de resultados escrita por `losslab run` (no con --calibrate)
help-check--expect = Fichero de expectativas (TOML): columnas de summary.csv con "0.5 ± 0.02", "<= 2000", un número, o {"{"} model = true {"}"} para loss_ratio
help-check--baseline = Compara con esta carpeta de resultados: la pérdida (McNemar exacto pareado cuando ambas ejecuciones usaron la misma semilla; si no, t de Welch sobre medias por lotes; unilateral) y la longitud media de los periodos de pérdida (t de Welch sobre medias por lotes)
help-check--confidence = Confianza de las comprobaciones estadísticas, entre 0 y 1: una ejecución correcta falla alguna de ellas con probabilidad como mucho 1 − C (Holm) [por defecto: el `confidence` del fichero de expectativas; si no, 0.999]
help-check--rtt_tolerance = Con --baseline: compara también los percentiles del RTT, que pueden diferir en un factor 1 + T en cualquier sentido. Opcional: en vivo, los RTT siguen la carga de la máquina, no el código
help-check--two_sided = Con --baseline: falla ante un cambio de la pérdida en cualquier sentido, no solo ante un aumento
help-check--format = Formato de salida
help-check--calibrate = Mide el control en lugar de aplicarlo: ejecuta ESCENARIO --runs veces en simulación con semillas nuevas e imprime con qué frecuencia cada comprobación hace fallar una ejecución correcta (con --shift: con qué frecuencia detecta el cambio)
help-check--runs = Con --calibrate: cuántas ejecuciones simuladas
help-check--baseline_seed = Con --calibrate: compara cada ejecución con una única ejecución de referencia de esta semilla (una referencia de otra semilla, como hace una CI que guarda una carpeta de referencia)
help-check--paired = Con --calibrate: compara cada candidata con una referencia de su propia semilla (la receta pareada, con la misma semilla); sin --shift las dos ejecuciones son idénticas
help-check--unpaired = Con --calibrate: compara cada candidata con una referencia de una semilla nueva propia (semilla + 10⁹): la tasa de falsos fallos también sobre las referencias, mientras que --baseline-seed la da para una referencia fija
help-check--shift = Con --calibrate: cambia las ejecuciones candidatas, p. ej. "loss +10%" (la pérdida media del modelo por 1,1, con ráfagas tan largas como antes), para medir la potencia del control
help-check--first_seed = Con --calibrate: la primera de las semillas nuevas (la ejecución i usa esta + i)
help-report = Gráficas y un informe markdown a partir de carpetas de resultados (una, o varias para comparar)
help-report--dirs = Carpetas de resultados escritas por `losslab run`; dos o más se comparan lado a lado
help-report--out = Dónde escribir report.md y las figuras SVG [por defecto: DIR/report para una carpeta; obligatorio para varias]
help-report--window = Paquetes por ventana en la gráfica de pérdida a lo largo del tiempo [por defecto: alrededor de una vigésima parte de la ejecución]
help-run-all = Ejecuta todos los escenarios en results/<nombre>/ (las salidas de referencia); --verify los repite y compara: las carpetas en modo sim byte a byte, las de modo en vivo con `losslab check`
help-run-all--scenarios = Carpeta de ficheros de escenario
help-run-all--out = Dónde van las ejecuciones [por defecto: results, o una carpeta temporal con --verify]
help-run-all--verify = Repite las ejecuciones y las compara con las referencias guardadas en lugar de sustituirlas; sale con 1 ante cualquier diferencia (modo sim) o comprobación fallida (modo en vivo)
help-run-all--results = Las referencias guardadas con las que compara --verify
help-sweep = Ejecuta una rejilla de parámetros × semillas (un fichero de barrido) en todos los núcleos, o lista sus ejecuciones para GNU parallel, o imprime un script de job array de Slurm; escribe OUT/<punto>/seed-<n>/ y sweep.csv
help-sweep--file = El fichero de barrido (TOML): `scenario`, `seeds` y una `[grid]` de campo = [valores]
help-sweep--out = La carpeta del barrido: OUT/<punto>/seed-<n>/ por ejecución, OUT/sweep.csv
help-sweep--list = Imprime una orden `losslab run …` autónoma por ejecución (las que aún no están completas) y termina, para GNU parallel, HTCondor o cualquier otro lanzador; después, `losslab merge OUT`
help-sweep--shard = Ejecuta solo el fragmento I de N (desde 1; las ejecuciones cuyo índice es I-1 módulo N). En un job array de Slurm, SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT eligen el fragmento cuando falta esta opción
help-sweep--slurm = Imprime un script sbatch de job array que ejecuta el barrido como TASKS tareas del array (cada una un fragmento) y después las une; envíelo con `sbatch`
help-sweep--tasks = Tareas del array en el script de --slurm [por defecto: el número de ejecuciones, como mucho 100]
help-sweep--jobs = Ejecuciones simuladas a la vez [por defecto: el número de núcleos]
help-sweep--quiet = Sin barra de progreso ni una línea por ejecución, solo el resumen final
help-merge = Construye el sweep.csv de un barrido a partir de sus carpetas de ejecución, dondequiera que se hicieran
help-merge--dirs = Carpetas de barrido (el OUT de `losslab sweep`, o copias suyas traídas de otras máquinas)
help-merge--out = Dónde va sweep.csv [por defecto: el primer DIR]
help-join = Une una ejecución contra un servidor en otra máquina (run --server) con el registro del propio servidor (serve time --record): cada pérdida se separa en el camino de ida, el modelo del servidor y el camino de vuelta, por id de solicitud (nunca se comparan relojes)
help-join--client_dir = La carpeta de resultados de los clientes (`losslab run ESCENARIO --server HOST:PUERTO`)
help-join--server_dir = El registro del servidor (`losslab serve time --record DIR`)
help-join--out = Dónde van join.csv y join.json [por defecto: CLIENT_DIR/join]
help-relay = Un relé UDP con pérdidas: los clientes envían a --listen, los datagramas siguen hacia --to y vuelven, y cada uno atraviesa en cada sentido el camino con semilla (pérdida, retardo, duplicación, reordenación, corrupción)
help-relay--listen = Dirección a la que envían los clientes (loopback, salvo que quiera exponerla)
help-relay--to = La dirección del servidor: los datagramas de todos los clientes van allí y sus respuestas vuelven
help-relay--loss = Pérdida en la sintaxis de netem: "random 10%", "gemodel 1% 30%", "state ...", "bursty 5% burst 3", "pattern 10"
help-relay--delay = Retardo en cada sentido, en la sintaxis de netem: "T [JITTER] [distribution uniform|normal|pareto|paretonormal]" [por defecto: 50us]
help-relay--duplicate = Duplica una fracción de los paquetes: "P" (p. ej. "5%")
help-relay--reorder = Envía una fracción de los paquetes de inmediato mientras los demás esperan el retardo: "P"
help-relay--corrupt = Invierte un bit del último byte de una fracción de los paquetes: "P". A través del enlace en vivo, la suma de comprobación del núcleo receptor los descarta; el relé los entrega (la suma de comprobación de UDP la pone el emisor, y el relé los vuelve a enviar)
help-relay--bandwidth = La tasa de cada sentido, en las unidades de tc ("10mbit", "125kbps") [por defecto: sin límite]
help-relay--direction = En qué sentido actúan las alteraciones: request (del cliente al servidor), reply (de vuelta) o both (ambos) [por defecto: both]
help-relay--seed = Semilla de los destinos: la misma semilla da a cada (flujo, sentido, índice) el mismo destino
help-relay--record = Escribe link.csv, flows.csv y relay.json en esta carpeta
help-relay--flows = address: cada dirección de cliente es un flujo con sus propios destinos y su propia cadena; one: todos los clientes son un solo flujo, así que repetir desde un puerto nuevo encuentra los mismos destinos
help-relay--max_flows = Máximo de clientes atendidos a la vez (cada uno ocupa un socket hacia el servidor); un cliente nuevo por encima de ese número se rechaza hasta que otro quede inactivo
help-relay--idle = Un cliente sin datagramas en ningún sentido durante este tiempo se olvida
help-relay--max_datagrams = Se detiene tras esta cantidad de datagramas de los clientes (y las respuestas que lleguen en los 500 ms siguientes)
help-relay--duration = Se detiene tras este tiempo
help-relay--quiet = No imprime una línea por cada datagrama descartado
help-link = Dos programas cualesquiera a través de un enlace con pérdidas en vivo (Linux): --server se ejecuta en 10.77.0.1, --client en 10.77.0.2, y cada paquete entre ellos atraviesa el camino con semilla; sale con el código de salida del cliente
help-link--server = La línea de órdenes del servidor (ejecutada con `sh -c` en el espacio de nombres del servidor, en 10.77.0.1)
help-link--client = La línea de órdenes del cliente (ejecutada con `sh -c` en el espacio de nombres del cliente, en 10.77.0.2); losslab sale con su código de salida
help-link--loss = Pérdida en la sintaxis de netem: "random 10%", "gemodel 1% 30%", "state ...", "bursty 5% burst 3", "pattern 10"
help-link--delay = Retardo en cada sentido, en la sintaxis de netem: "T [JITTER] [distribution uniform|normal|pareto|paretonormal]" [por defecto: 50us]
help-link--duplicate = Duplica una fracción de los paquetes: "P" (p. ej. "5%")
help-link--reorder = Envía una fracción de los paquetes de inmediato mientras los demás esperan el retardo: "P"
help-link--corrupt = Invierte un bit del último byte de una fracción de los paquetes: "P". A través del enlace en vivo, la suma de comprobación del núcleo receptor los descarta; el relé los entrega (la suma de comprobación de UDP la pone el emisor, y el relé los vuelve a enviar)
help-link--bandwidth = La tasa de cada sentido, en las unidades de tc ("10mbit", "125kbps") [por defecto: sin límite]
help-link--direction = En qué sentido actúan las alteraciones: request (del cliente al servidor), reply (de vuelta) o both (ambos) [por defecto: both]
help-link--seed = Semilla de los destinos del enlace
help-link--record = Escribe link.csv (una fila por paquete) y link.json en esta carpeta
help-link--server_wait = Cuánto esperar a que el servidor asocie un socket antes de arrancar el cliente de todos modos

## Los mensajes de error de clap (src/i18n_clap.rs), con la misma estructura que los suyos
clap-error = error
clap-tip = sugerencia
clap-try-help = Para más información, pruebe '{ $help }'.
clap-subcommands = órdenes
clap-err-conflict-repeated = el argumento '{ $arg }' no se puede usar más de una vez
clap-err-conflict = el argumento '{ $arg }' no se puede usar junto con
clap-err-conflict-subcommand = la orden '{ $arg }' no se puede usar junto con
clap-err-conflict-others = uno o más de los otros argumentos indicados
clap-err-no-equals = hace falta un signo igual para dar valores a '{ $arg }'
clap-err-value-missing = '{ $arg }' necesita un valor, pero no se ha dado ninguno
clap-err-invalid-value = valor no válido '{ $value }' para '{ $arg }'
clap-err-invalid-subcommand = orden no reconocida '{ $name }'
clap-err-missing-required = faltan los siguientes argumentos obligatorios:
clap-err-missing-subcommand = '{ $name }' necesita una orden, pero no se ha indicado ninguna
clap-err-too-many-values = valor inesperado '{ $value }' para '{ $arg }'; no se esperaban más
clap-err-too-few-values = '{ $arg }' necesita { $min } valores; solo { $n ->
        [one] se ha dado
       *[other] se han dado
    } { $actual }
clap-err-wrong-number-of-values = '{ $arg }' necesita { $expected } valores, pero { $n ->
        [one] se ha dado
       *[other] se han dado
    } { $actual }
clap-err-unknown-argument = argumento inesperado '{ $arg }'
clap-tip-similar-subcommand = { $n ->
        [one] existe una orden parecida
       *[other] existen órdenes parecidas
    }: { $names }
clap-tip-similar-argument = { $n ->
        [one] existe un argumento parecido
       *[other] existen argumentos parecidos
    }: { $names }
clap-tip-similar-value = { $n ->
        [one] existe un valor parecido
       *[other] existen valores parecidos
    }: { $names }
clap-tip-as-value = para pasar '{ $arg }' como valor, use '{ $usage }'
clap-tip-remove-dashes = la orden '{ $name }' existe; para usarla, quite el '{ $dashes }' de delante
clap-tip-exists = existe '{ $name }'
clap-kind-invalid-value = uno de los valores no es válido para un argumento
clap-kind-unknown-argument = se ha encontrado un argumento inesperado
clap-kind-invalid-subcommand = orden no reconocida
clap-kind-no-equals = hace falta un signo igual para dar valores a uno de los argumentos
clap-kind-value-validation = valor no válido para uno de los argumentos
clap-kind-too-many-values = se ha encontrado un valor inesperado para un argumento
clap-kind-too-few-values = un argumento necesita más valores
clap-kind-wrong-number-of-values = demasiados o demasiado pocos valores para un argumento
clap-kind-argument-conflict = un argumento no se puede usar junto con uno o más de los otros argumentos indicados
clap-kind-missing-required = faltan uno o más argumentos obligatorios
clap-kind-missing-subcommand = hace falta una orden y no se ha indicado ninguna
clap-kind-invalid-utf8 = uno o más argumentos no son UTF-8 válido
clap-kind-unknown = causa desconocida
arg-err-zero-duration = debe ser mayor que 0
clap-parse-int-empty = no se puede leer un número entero de un texto vacío
clap-parse-int-digit = hay un carácter que no es una cifra
clap-parse-int-too-large = el número es demasiado grande
clap-parse-out-of-range = { $value } no está en { $range }
